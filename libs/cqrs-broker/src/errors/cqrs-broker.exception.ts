import type { CqrsBrokerError, CqrsBrokerErrorCode } from './error-codes.js';

/**
 * The base of the library's exceptions: a stable {@link CqrsBrokerErrorCode}
 * to match on, `name` set to the class name, and `cause` kept when the
 * exception wraps another error, so the original stack is not lost.
 * @publicApi
 */
export abstract class CqrsBrokerException extends Error implements CqrsBrokerError {
  abstract readonly code: CqrsBrokerErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
