import type { Type } from '@nestjs/common';
import type { Request } from './request.js';
import type { StreamRequest } from './stream-request.js';

export const REQUEST_HANDLER_METADATA = 'cqrs-broker:request-handler';

/** Options of {@link HandlesRequest}. @publicApi */
export interface HandlesRequestOptions {
  /**
   * Makes the handler one link of the request's chain of responsibility (see
   * `ChainedRequestHandler`): links run in ascending `order`. Every handler
   * of a chained request declares an order, and no two the same one; a
   * request with a handler without `order` has exactly one handler.
   * @default undefined (the request's only handler)
   */
  readonly order?: number;
}

/** What `@HandlesRequest` records on a handler class. */
export interface RequestHandlerMetadata {
  readonly requestType: Type<object>;
  readonly order?: number;
}

/**
 * Marks a provider as the handler of one request type (a `Request`, or a
 * `StreamRequest` whose handler yields items), or with `{ order }` as one
 * link of its chain. The module finds it at bootstrap with Nest's
 * DiscoveryService; the class must be listed in some module's `providers`.
 *
 * @example
 * \@HandlesRequest(JoinMeetingCommand)
 * export class JoinMeetingCommandHandler implements RequestHandler<JoinMeetingCommand> { ... }
 * @publicApi
 */
export function HandlesRequest(
  requestType: Type<Request<unknown>> | Type<StreamRequest<unknown>>,
  options: HandlesRequestOptions = {},
): ClassDecorator {
  const metadata: RequestHandlerMetadata = { requestType, order: options.order };
  return (target) => {
    Reflect.defineMetadata(REQUEST_HANDLER_METADATA, metadata, target);
  };
}
