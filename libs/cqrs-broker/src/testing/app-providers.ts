import type { INestApplicationContext } from '@nestjs/common';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { EventConsumerPipeline } from '../consumers/event-consumer-pipeline.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { TESTING_NEEDS_MODULE } from '../errors/messages.js';
import { EventSerializer } from '../events/event-serializer.js';
import { OutboxAdmin } from '../outbox/outbox-admin.js';
import type { ResolvedOutboxOptions } from '../outbox/outbox-options.resolver.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import type { OutboxDialect } from '../outbox/outbox.dialect.js';
import { OUTBOX_DIALECT, RESOLVED_OUTBOX_OPTIONS } from '../outbox/outbox.module-definition.js';

/** Resolves a provider of the app for a testing helper, or says which module to import. Looks in every module (`strict: false`). */
function provider<T>(app: INestApplicationContext, token: unknown, helper: string, module: string): T {
  try {
    return app.get<T>(token as never, { strict: false });
  } catch (error) {
    throw new ConfigurationException(TESTING_NEEDS_MODULE(helper, module), { cause: error });
  }
}

/** The app's consumer pipeline and serializer. */
export function consumerOf(app: INestApplicationContext, helper: string) {
  return {
    pipeline: provider<EventConsumerPipeline>(app, EventConsumerPipeline, helper, 'EventConsumerModule.forRoot({ name })'),
    serializer: provider<EventSerializer>(app, EventSerializer, helper, 'CqrsBrokerModule.forRoot()'),
  };
}

/** The app's `MESSAGE_BROKER`. */
export function brokerOf(app: INestApplicationContext, helper: string): MessageBroker {
  return provider<MessageBroker>(app, MESSAGE_BROKER, helper, 'CqrsBrokerModule.forRoot()');
}

/** The app's outbox: its relay, admin, SQL dialect and resolved options. */
export function outboxOf(app: INestApplicationContext, helper: string) {
  const module = 'OutboxModule.forRoot(...)';
  return {
    relay: provider<OutboxRelay>(app, OutboxRelay, helper, module),
    admin: provider<OutboxAdmin>(app, OutboxAdmin, helper, module),
    dialect: provider<OutboxDialect>(app, OUTBOX_DIALECT, helper, module),
    options: provider<ResolvedOutboxOptions>(app, RESOLVED_OUTBOX_OPTIONS, helper, module),
  };
}
