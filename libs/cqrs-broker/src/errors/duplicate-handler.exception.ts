import type { Type } from '@nestjs/common';
import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { DUPLICATE_HANDLER } from './messages.js';

/** Two handlers were bound to one request type. Raised at startup. @publicApi */
export class DuplicateHandlerException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.DuplicateHandler;

  constructor(messageType: Type, first: Type, second: Type) {
    super(DUPLICATE_HANDLER(messageType.name, first.name, second.name));
  }
}
