import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { UNROUTABLE_MESSAGES } from './messages.js';

/**
 * The broker accepted messages but routed them to no queue, so the publish
 * fails and the outbox relay keeps them for a retry.
 * @publicApi
 */
export class UnroutableMessageException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.UnroutableMessage;

  constructor(readonly topics: readonly string[], count: number) {
    super(UNROUTABLE_MESSAGES(count, topics.join(', ')));
  }
}
