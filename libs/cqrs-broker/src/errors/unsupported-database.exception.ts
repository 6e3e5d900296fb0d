import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { UNSUPPORTED_DATABASE } from './messages.js';

/** The outbox (or another part, named by `part`) was given a DataSource of a database it has no dialect for. @publicApi */
export class UnsupportedDatabaseException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.UnsupportedDatabase;

  constructor(
    readonly databaseType: string,
    part?: string,
  ) {
    super(UNSUPPORTED_DATABASE(databaseType, part));
  }
}
