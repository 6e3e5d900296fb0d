import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { HANDLER_NOT_FOUND } from './messages.js';

/** Thrown by `RequestMediator.send` for a request type that has no handler. @publicApi */
export class RequestHandlerNotFoundException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.HandlerNotFound;

  constructor(readonly requestName: string) {
    super(HANDLER_NOT_FOUND(requestName));
  }
}
