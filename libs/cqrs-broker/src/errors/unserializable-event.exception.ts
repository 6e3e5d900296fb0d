import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { UNSERIALIZABLE_EVENT } from './messages.js';

/**
 * An event could not be turned into a broker message (BigInt, cycles, no
 * payload, a field too long for the outbox). `reason` is a text, or the error
 * that caused it, which is then kept as `cause`.
 * @publicApi
 */
export class UnserializableEventException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.UnserializableEvent;

  constructor(
    readonly eventName: string,
    reason: unknown,
  ) {
    super(UNSERIALIZABLE_EVENT(eventName, reason instanceof Error ? reason.message : String(reason)), reason instanceof Error ? { cause: reason } : undefined);
  }
}
