import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { SAGA_NOT_REGISTERED } from './messages.js';

/** A saga was started, or found in the log, under a name no registered saga has. @publicApi */
export class SagaNotRegisteredException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.SagaNotRegistered;

  constructor(readonly sagaName: string) {
    super(SAGA_NOT_REGISTERED(sagaName));
  }
}
