import { randomUUID } from 'node:crypto';
import { MessageContext } from '../tracing/message-context.js';

/**
 * An event handled in-process by every `EventHandler` bound to its class.
 * Subclass it with the fields your handlers need.
 *
 * @example
 * export class UserJoined extends DomainEvent {
 *   constructor(readonly meetingId: string, readonly userId: string) { super(); }
 * }
 * @publicApi
 */
export abstract class DomainEvent {
  /** Unique id, used in logs when a handler of this event fails. */
  readonly eventId: string = randomUUID();
  readonly eventTimestamp: Date = new Date();

  constructor() {
    // Created inside a correlation context (a request with CorrelationMiddleware, a consumed
    // message, MessageContext.run): its handlers run in that context, caused by this event.
    MessageContext.capture(this);
  }
}
