import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/** A method a framework interface requires but this implementation does not offer was called. @publicApi */
export class UnsupportedOperationException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.UnsupportedOperation;
}
