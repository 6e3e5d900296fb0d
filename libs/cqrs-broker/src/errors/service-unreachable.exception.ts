import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { SERVICE_UNREACHABLE } from './messages.js';

/**
 * A database or broker the admin CLI was pointed at could not be reached or
 * refused the work. The message shows the URL redacted; the driver's or
 * client's error is the `cause`.
 * @publicApi
 */
export class ServiceUnreachableException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.ServiceUnreachable;

  constructor(
    readonly redactedUrl: string,
    cause: unknown,
  ) {
    super(SERVICE_UNREACHABLE(redactedUrl, cause instanceof Error ? cause.message : String(cause)), { cause });
  }
}
