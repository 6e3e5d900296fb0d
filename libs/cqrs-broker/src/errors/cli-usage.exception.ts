import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/**
 * The `cqrs-broker` command line was wrong: an unknown command or option, a
 * missing argument, a URL of the wrong kind. The CLI prints its message and
 * exits with code 2.
 * @publicApi
 */
export class CliUsageException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.CliUsage;
}
