import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/** An operation did not settle in time (a broker call, a relay shutdown); the work itself may still go on. @publicApi */
export class TimeoutException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.Timeout;

  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
