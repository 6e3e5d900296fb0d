import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { NON_RETRYABLE } from './messages.js';

/**
 * Thrown by an event handler that knows retrying cannot help (the event
 * refers to something that will never exist, a business rule rejects it…):
 * the consumer dead-letters the message at once instead of spending its
 * remaining attempts. Wrap the original error as `cause` to keep its stack.
 * An error anywhere in a `cause` chain with `nonRetryable: true` counts too.
 *
 * @example
 * if (!room) throw new NonRetryableException(`room ${event.payload.roomId} does not exist`);
 * @publicApi
 */
export class NonRetryableException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.NonRetryable;
  /** The flag the consumer looks for (here and on any error of a `cause` chain). */
  readonly nonRetryable = true;

  constructor(reason: string, options?: ErrorOptions) {
    super(NON_RETRYABLE(reason), options);
  }
}
