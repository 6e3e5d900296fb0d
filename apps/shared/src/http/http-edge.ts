import { HttpStatus, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { InputGuardPipe } from 'nestjs-cqrs-broker';

/** Largest body accepted, whatever its content type; bigger ones get 413 before any handler runs. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** JSON media types: `application/json` and `application/*+json`. */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** The error body every refusal at the edge has, like Nest's own. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/**
 * What both sample apps put between the socket and their controllers:
 * - no `X-Powered-By` header;
 * - JSON bodies up to {@link BODY_LIMIT_BYTES}; any other body is read up to
 *   the same limit (413 past it, whatever its content type) and refused with
 *   415; parse errors get 400; all as JSON, never Express's HTML page;
 * - the library's `InputGuardPipe` (nesting depth, reserved keys, control
 *   characters) before `ValidationPipe` (unknown fields rejected), on every
 *   body, query and path parameter.
 * Create the app with `{ bodyParser: false }` so these parsers are the only ones.
 */
export function configureHttpEdge(app: NestExpressApplication): void {
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, type: JSON_TYPES });
  // Everything else is read only to enforce the limit; the JSON parser has marked what it read.
  app.useBodyParser('raw', { limit: BODY_LIMIT_BYTES, type: () => true });
  app.use(refuseNonJsonBodies);
  app.use(answerBodyErrorsAsJson);
  app.useGlobalPipes(new InputGuardPipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
}

function refuseNonJsonBodies(request: Request, response: Response, next: NextFunction): void {
  if (Buffer.isBuffer(request.body) && request.body.length > 0) {
    send(response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Unsupported Media Type', 'the body must be JSON (content-type: application/json)');
    return;
  }
  // An empty non-JSON body is no body.
  if (Buffer.isBuffer(request.body)) request.body = undefined;
  next();
}

/** body-parser's errors (413 too large, 400 malformed, 415 charset) as JSON; their messages are safe to show. */
function answerBodyErrorsAsJson(error: unknown, request: Request, response: Response, next: NextFunction): void {
  const { status, expose, message, type } = (error ?? {}) as { status?: number; expose?: boolean; message?: string; type?: string };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string') {
    next(error);
    return;
  }
  const text = status === HttpStatus.PAYLOAD_TOO_LARGE ? `the body must not be larger than ${BODY_LIMIT_BYTES} bytes` : expose && message ? message : 'invalid body';
  send(response, status, STATUS_NAMES[status] ?? 'Bad Request', text);
}

const STATUS_NAMES: Record<number, string> = { 400: 'Bad Request', 413: 'Payload Too Large', 415: 'Unsupported Media Type' };

function send(response: Response, statusCode: number, error: string, message: string): void {
  const body: ErrorBody = { statusCode, error, message };
  response.status(statusCode).json(body);
}
