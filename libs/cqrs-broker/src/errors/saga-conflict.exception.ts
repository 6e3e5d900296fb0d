import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/**
 * A saga is not where the operation needs it: its id is taken by another
 * saga, an admin action does not fit its state, or another worker wrote it
 * first (the log's version moved on).
 * @publicApi
 */
export class SagaConflictException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.SagaConflict;

  constructor(
    message: string,
    readonly sagaId: string,
  ) {
    super(message);
  }
}
