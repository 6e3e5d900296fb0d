import type { Type } from '@nestjs/common';
import { FALLBACK_METADATA, type FallbackOptions } from '../fallback/fallback-options.interface.js';
import type { Request, RequestResult } from './request.js';
import type { RequestHandler } from './request-handler.interface.js';
import type { StreamRequest } from './stream-request.js';

export const REQUEST_HANDLER_METADATA = 'cqrs-broker:request-handler';

/** Options of {@link HandlesRequest}. @publicApi */
export interface HandlesRequestOptions<TRequest extends object = any> {
  /**
   * Makes the handler one link of the request's chain of responsibility (see
   * `ChainedRequestHandler`): links run in ascending `order`. Every handler
   * of a chained request declares an order, and no two the same one; a
   * request with a handler without `order` has exactly one handler.
   * @default undefined (the request's only handler)
   */
  readonly order?: number;
  /**
   * A handler that answers in this one's place on the errors in `on`, or
   * while the circuit breaker is open (see {@link FallbackOptions}); it must
   * handle the same request with the same result type. Not for a chain link
   * or a `StreamRequest` (a startup error).
   * @default undefined (no fallback: errors propagate)
   */
  readonly fallback?: FallbackOptions<RequestHandler<Extract<TRequest, Request<any>>, RequestResult<TRequest>>>;
}

/** What `@HandlesRequest` records on a handler class. */
export interface RequestHandlerMetadata {
  readonly requestType: Type<object>;
  readonly order?: number;
}

/**
 * Marks a provider as the handler of one request type (a `Request`, or a
 * `StreamRequest` whose handler yields items), or with `{ order }` as one
 * link of its chain; with `{ fallback }`, guarded by a fallback handler
 * (and a circuit breaker). The module finds it at bootstrap with Nest's
 * DiscoveryService; the class must be listed in some module's `providers`.
 *
 * @example
 * \@HandlesRequest(JoinMeetingCommand)
 * export class JoinMeetingCommandHandler implements RequestHandler<JoinMeetingCommand> { ... }
 * @publicApi
 */
export function HandlesRequest<TRequest extends Request<any> | StreamRequest<any>>(
  requestType: Type<TRequest>,
  options: HandlesRequestOptions<TRequest> = {},
): ClassDecorator {
  const metadata: RequestHandlerMetadata = { requestType, order: options.order };
  return (target) => {
    Reflect.defineMetadata(REQUEST_HANDLER_METADATA, metadata, target);
    if (options.fallback) Reflect.defineMetadata(FALLBACK_METADATA, options.fallback, target);
  };
}
