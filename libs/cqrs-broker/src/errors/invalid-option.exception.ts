import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { MUST_BE } from './messages.js';

/**
 * An option has a value the library cannot use; the message names the option,
 * the rule and the value (`retry.factor must be 1 or more, got 0`). Raised
 * when options are resolved, at startup.
 * @publicApi
 */
export class InvalidOptionException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.InvalidOption;

  constructor(
    /** The option as the user wrote it, e.g. `relay.retry.maxAttempts`. */
    readonly option: string,
    /** What the value must be, e.g. `an integer >= 1`. */
    readonly rule: string,
    readonly value: unknown,
  ) {
    super(MUST_BE(option, rule, value));
  }
}
