import { CqrsBrokerErrorCode } from './error-codes.js';
import { MalformedEventException } from './malformed-event.exception.js';
import { UNSUPPORTED_CONTENT_TYPE } from './messages.js';

/**
 * A message's `content-type` header names a body format no codec of this
 * app reads (the JSON default, or a codec an `@IntegrationEvent` class
 * declares). A kind of {@link MalformedEventException}: consumers
 * dead-letter the message at once, with this reason.
 * @publicApi
 */
export class UnsupportedContentTypeException extends MalformedEventException {
  override readonly code: CqrsBrokerErrorCode = CqrsBrokerErrorCode.UnsupportedContentType;

  /** `known`: the content types this app reads. */
  constructor(
    readonly contentType: string,
    readonly known: readonly string[],
  ) {
    super(UNSUPPORTED_CONTENT_TYPE(contentType, known));
  }
}
