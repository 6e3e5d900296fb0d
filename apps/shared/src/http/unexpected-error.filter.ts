import { type ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { Response } from 'express';
import { isTransientFailure } from 'nestjs-cqrs-broker';

/**
 * Answers an error that is not an `HttpException` with a bare 500, as Nest
 * does (503 when it is a transient infrastructure failure, such as a
 * database connection killed mid-query: the client may try again), but logs it without its properties: Nest's default prints the whole
 * error object, and TypeORM's `QueryFailedError` carries the SQL parameter
 * values (and MySQL's messages quote them). Logged: the class, the driver's
 * error code, the SQL text with its placeholders, and the stack frames.
 * Microservice handlers (a hybrid app inherits global filters) get Nest's
 * default RPC handling.
 */
@Catch()
export class UnexpectedErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('ExceptionsHandler');
  private readonly rpc = new BaseRpcExceptionFilter();

  override catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return this.rpc.catch(exception, host);
    if (exception instanceof HttpException) return super.catch(exception, host);
    this.logger.error(describeSafely(exception), framesOf(exception));
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      response.end();
      return undefined;
    }
    if (isTransientFailure(exception)) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, message: 'The database is unavailable; try again.' });
    } else {
      response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' });
    }
    return undefined;
  }
}

/** `Name (CODE): message`, or for a failed query `Name (CODE) in: <SQL>` without the driver's message, which may quote values. */
export function describeSafely(error: unknown): string {
  if (!(error instanceof Error)) return `non-error thrown: ${typeof error}`;
  const { code, query } = error as { code?: unknown; query?: unknown };
  const name = `${error.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}`;
  return typeof query === 'string' ? `${name} in: ${query}` : `${name}: ${error.message}`;
}

/** The stack without its first line (the message). */
function framesOf(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  return stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')).join('\n');
}
