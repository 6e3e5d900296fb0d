import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { EVENT_CASCADE_LIMIT } from './messages.js';

/** Event handlers kept producing events past the limit of one emit: most likely a cycle. @publicApi */
export class EventCascadeLimitException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.EventCascadeLimit;

  constructor(readonly limit: number) {
    super(EVENT_CASCADE_LIMIT(limit));
  }
}
