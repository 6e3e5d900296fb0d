import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { INVALID_DATABASE_URL } from './messages.js';

/**
 * A database URL the admin CLI cannot use. Its message shows the URL
 * redacted (`postgres://user:***@host/db`).
 * @publicApi
 */
export class InvalidDatabaseUrlException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.InvalidDatabaseUrl;

  constructor(
    readonly redactedUrl: string,
    readonly reason: string,
  ) {
    super(INVALID_DATABASE_URL(redactedUrl, reason));
  }
}
