import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { MALFORMED_EVENT } from './messages.js';

/**
 * A message from the bus could not become an event: not JSON, missing fields,
 * an unknown event name ({@link UnknownEventException}), or a payload that
 * failed validation. Consumers dead-letter such messages at once instead of
 * retrying them (unknown events: as their `unknownEvents` policy says).
 * @publicApi
 */
export class MalformedEventException extends CqrsBrokerException {
  readonly code: CqrsBrokerErrorCode = CqrsBrokerErrorCode.MalformedEvent;

  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(MALFORMED_EVENT(reason), options);
  }
}
