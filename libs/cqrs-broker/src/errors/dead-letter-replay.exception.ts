import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/**
 * A dead-letter store could not do what was asked: the dead-letter topic or
 * queue (or the source a requeue sends to) does not exist, or the broker did
 * not take a requeued message. The dead letter is then left where it was.
 * The broker's error, when there is one, is the `cause`.
 * @publicApi
 */
export class DeadLetterReplayException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.DeadLetterReplay;
}
