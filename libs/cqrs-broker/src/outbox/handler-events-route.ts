import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { IntegrationEventOutsideOutboxException } from '../errors/integration-event-outside-outbox.exception.js';
import { HANDLER_EVENTS_WRITTEN_LATE } from '../errors/messages.js';
import type { IntegrationEventRoute } from '../events/integration-event-route.js';
import type { OutboxRepository } from './outbox-repository.js';

/**
 * What happens to notification and ECST events a handler leaves in its
 * `events` while an outbox is configured (`OutboxModuleOptions.handlerEvents`).
 *
 * - `outbox`: after the handler returned, they are written to the outbox in
 *   a transaction of their own, and the relay publishes them. Not atomic with
 *   the handler's writes (a crash between the two loses them, as a direct
 *   publish would), but from then on they survive broker outages and keep
 *   per-key order. A warning names each event type once, because the atomic
 *   way is `OutboxTransaction` inside the handler's transaction.
 * - `broker`: published to the `MessageBroker` at once, as without an outbox
 *   (a broker outage fails the emit and the events are gone).
 * - `reject`: the emit throws `IntegrationEventOutsideOutboxException`, so
 *   tests catch the mistake; the handler's own writes are already committed.
 * @publicApi
 */
export type OutboxHandlerEventsPolicy = 'outbox' | 'broker' | 'reject';

/** The route of the `outbox` and `reject` policies; `broker` keeps the emitter's own route. */
export function handlerEventsRoute(
  policy: Exclude<OutboxHandlerEventsPolicy, 'broker'>,
  dataSource: DataSource,
  repository: OutboxRepository,
): IntegrationEventRoute {
  if (policy === 'reject') {
    return {
      name: 'reject',
      send: (messages) => Promise.reject(new IntegrationEventOutsideOutboxException([...new Set(messages.map((m) => m.eventName))])),
    };
  }
  const logger = new Logger('OutboxModule');
  const warned = new Set<string>();
  return {
    name: 'outbox',
    async send(messages: readonly BrokerMessage[]): Promise<void> {
      for (const { eventName } of messages) {
        if (warned.has(eventName)) continue;
        warned.add(eventName);
        logger.warn(HANDLER_EVENTS_WRITTEN_LATE(eventName));
      }
      await dataSource.transaction((manager) => repository.addMessages(manager, messages));
    },
  };
}
