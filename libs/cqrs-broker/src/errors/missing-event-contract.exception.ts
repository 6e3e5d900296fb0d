import { CqrsBrokerErrorCode, type CqrsBrokerError } from './error-codes.js';

/**
 * An event class lacks what a broker needs: an event name and a topic, given
 * to the constructor or by `@IntegrationEvent({ name, topic })`. A
 * `TypeError` (the class is used as something it is not), so it does not
 * extend {@link CqrsBrokerException}; it carries a code all the same.
 * @publicApi
 */
export class MissingEventContractException extends TypeError implements CqrsBrokerError {
  readonly code = CqrsBrokerErrorCode.MissingEventContract;

  constructor(
    readonly className: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingEventContractException';
  }
}
