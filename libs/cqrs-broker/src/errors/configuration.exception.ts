import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';

/**
 * The app is wired in a way the library cannot work with: a handler that is
 * not a provider, a module not imported, no DataSource, no consumer name, a
 * broker that does not fit. Found at startup (or on first use) with a
 * message that says what to change.
 * @publicApi
 */
export class ConfigurationException extends CqrsBrokerException {
  readonly code: CqrsBrokerErrorCode = CqrsBrokerErrorCode.Configuration;
}
