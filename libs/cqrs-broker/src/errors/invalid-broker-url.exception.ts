import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { INVALID_BROKER_URL } from './messages.js';

/**
 * A broker URL that cannot be used. Its message shows the URL redacted: pass
 * it through `redactUrl` first, as `parseBrokerUrl` does.
 * @publicApi
 */
export class InvalidBrokerUrlException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.InvalidBrokerUrl;

  constructor(
    readonly redactedUrl: string,
    readonly reason: string,
  ) {
    super(INVALID_BROKER_URL(redactedUrl, reason));
  }
}
