import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { REQUEST_NOT_HANDLED } from './messages.js';

/**
 * Every link of a request's chain of responsibility passed the request on:
 * the last link's `next` rejects with this. @publicApi
 */
export class RequestNotHandledException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.RequestNotHandled;

  constructor(
    readonly requestName: string,
    /** The chain's handlers, in order. */
    readonly chain: readonly string[],
  ) {
    super(REQUEST_NOT_HANDLED(requestName, chain));
  }
}
