import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { CONSUMER_NOT_STARTED } from './messages.js';

/** A consumer was asked for its client before `listen()` connected it. @publicApi */
export class ConsumerNotStartedException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.ConsumerNotStarted;

  constructor(readonly consumer: string) {
    super(CONSUMER_NOT_STARTED(consumer));
  }
}
