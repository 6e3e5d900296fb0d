import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { INVALID_TABLE_NAME } from './messages.js';

/** A table name that is not a plain identifier (it would end up in SQL). @publicApi */
export class InvalidTableNameException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.InvalidTableName;

  constructor(readonly tableName: string) {
    super(INVALID_TABLE_NAME(tableName));
  }
}
