import { CqrsBrokerException } from './cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { INTEGRATION_EVENTS_OUTSIDE_OUTBOX } from './messages.js';

/**
 * A handler left notification or ECST events in its `events` while
 * `OutboxModule` is configured with `handlerEvents: 'reject'`. Thrown by the
 * emit after the handler returned, so its own writes are already committed;
 * meant to catch the mistake in tests.
 * @publicApi
 */
export class IntegrationEventOutsideOutboxException extends CqrsBrokerException {
  readonly code = CqrsBrokerErrorCode.IntegrationEventOutsideOutbox;

  constructor(readonly eventNames: readonly string[]) {
    super(INTEGRATION_EVENTS_OUTSIDE_OUTBOX(eventNames));
  }
}
