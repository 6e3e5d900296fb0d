import type { Type } from '@nestjs/common';

/** Two handlers were bound to one request type. Raised at startup. @publicApi */
export class DuplicateHandlerException extends Error {
  constructor(messageType: Type, first: Type, second: Type) {
    super(
      `Request "${messageType.name}" is bound to two handlers: "${first.name}" and "${second.name}". ` +
        `A request has exactly one handler.`,
    );
    this.name = 'DuplicateHandlerException';
  }
}
