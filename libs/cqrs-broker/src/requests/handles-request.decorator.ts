import type { Type } from '@nestjs/common';
import type { Request } from './request.js';

export const REQUEST_HANDLER_METADATA = 'cqrs-broker:request-handler';

/**
 * Marks a provider as the handler of one request type. The module finds it at
 * bootstrap with Nest's DiscoveryService; the class must be listed in some
 * module's `providers`.
 *
 * @example
 * \@HandlesRequest(JoinMeetingCommand)
 * export class JoinMeetingCommandHandler implements RequestHandler<JoinMeetingCommand> { ... }
 * @publicApi
 */
export function HandlesRequest(requestType: Type<Request<unknown>>): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(REQUEST_HANDLER_METADATA, requestType, target);
  };
}
