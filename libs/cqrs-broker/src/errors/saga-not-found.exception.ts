import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { SAGA_NOT_FOUND } from './messages.js';

/** No saga with the given id is in the saga log. @publicApi */
export class SagaNotFoundException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.SagaNotFound;

  constructor(readonly sagaId: string) {
    super(SAGA_NOT_FOUND(sagaId));
  }
}
