import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { UNKNOWN_OUTBOX_CODEC } from './messages.js';

/** A row or the options name a codec this version does not know (written by a newer version?). @publicApi */
export class UnknownOutboxCodecException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.UnknownOutboxCodec;

  constructor(
    readonly codec: string,
    knownCodecs: readonly string[],
  ) {
    super(UNKNOWN_OUTBOX_CODEC(codec, knownCodecs));
  }
}
