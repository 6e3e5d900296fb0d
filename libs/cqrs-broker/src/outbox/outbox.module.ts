import { Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { EventEmitter } from '../events/event-emitter.js';
import { optionalPeerToken } from '../optional-peer.js';
import { EventSerializer } from '../events/event-serializer.js';
import { CQRS_TRACING, type CqrsTracing } from '../tracing/cqrs-tracing.js';
import { handlerEventsRoute } from './handler-events-route.js';
import { OutboxAdmin } from './outbox-admin.js';
import { OutboxCommitSubscriber } from './outbox-commit.subscriber.js';
import { createOutboxDialect } from './outbox-dialect.factory.js';
import type { OutboxModuleOptions } from './outbox-options.interface.js';
import { resolveOutboxOptions, type ResolvedOutboxOptions } from './outbox-options.resolver.js';
import { OutboxRelay } from './outbox-relay.js';
import { OutboxRelayController } from './outbox-relay.controller.js';
import { loadRelayPackages } from './outbox-relay-packages.js';
import { OutboxRepository } from './outbox-repository.js';
import { OutboxTransaction } from './outbox-transaction.js';
import { OutboxWakeup } from './outbox-wakeup.js';
import type { OutboxDialect } from './outbox.dialect.js';
import { OUTBOX_DIALECT, OUTBOX_OPTIONS, OutboxConfigurableModule, RESOLVED_OUTBOX_OPTIONS } from './outbox.module-definition.js';

/**
 * The transactional outbox on TypeORM: `OutboxTransaction` and
 * `OutboxRepository` write events with your business rows, `OutboxRelay`
 * publishes them through the `MessageBroker` of `CqrsBrokerModule`, and
 * `OutboxAdmin` inspects and repairs the table. Global by default.
 *
 * The relay runs inside the app unless `relay.enabled` is false; to run it
 * as its own process, see `OutboxRelayServer`. With `ScheduleModule.forRoot()`
 * imported, its retention purge is registered in `SchedulerRegistry`.
 *
 * @example
 * \@Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'postgres', url, entities: [Room, createOutboxEntity({ databaseType: 'postgres' })] }),
 *     CqrsBrokerModule.forRoot({ broker: new KafkaMessageBroker({ client: { brokers } }) }),
 *     OutboxModule.forRootAsync({ inject: [DataSource], useFactory: (dataSource: DataSource) => ({ dataSource, codec: 'zlib' }) }),
 *   ],
 * })
 * export class AppModule {}
 * @publicApi
 */
@Module({
  controllers: [OutboxRelayController],
  providers: [
    {
      // The one place the options are completed and checked; every provider below reads the result.
      provide: RESOLVED_OUTBOX_OPTIONS,
      // The app's DataSource is injected (not looked up) so Nest waits for an async one such as TypeOrmModule's.
      inject: [OUTBOX_OPTIONS, optionalPeerToken('typeorm', 'DataSource', 'OutboxModule')],
      useFactory: (options: OutboxModuleOptions, appDataSource?: DataSource): ResolvedOutboxOptions => resolveOutboxOptions(options, appDataSource),
    },
    {
      provide: OUTBOX_DIALECT,
      inject: [RESOLVED_OUTBOX_OPTIONS],
      useFactory: (options: ResolvedOutboxOptions): OutboxDialect => createOutboxDialect(options.dataSource, options.tableName),
    },
    { provide: OutboxWakeup, useFactory: () => new OutboxWakeup() },
    {
      provide: OutboxCommitSubscriber,
      inject: [RESOLVED_OUTBOX_OPTIONS, OutboxWakeup],
      useFactory: (options: ResolvedOutboxOptions, wakeup: OutboxWakeup) => new OutboxCommitSubscriber(options.dataSource, wakeup),
    },
    {
      provide: OutboxRepository,
      inject: [RESOLVED_OUTBOX_OPTIONS, OUTBOX_DIALECT, EventSerializer, OutboxCommitSubscriber, { token: CQRS_TRACING, optional: true }],
      useFactory: (options: ResolvedOutboxOptions, dialect: OutboxDialect, serializer: EventSerializer, commits: OutboxCommitSubscriber, tracing?: CqrsTracing | null) =>
        new OutboxRepository(dialect, serializer, options.codec, commits, options.notify, options.relay.source, tracing),
    },
    {
      provide: OutboxTransaction,
      inject: [RESOLVED_OUTBOX_OPTIONS, OutboxRepository],
      useFactory: (options: ResolvedOutboxOptions, repository: OutboxRepository) => new OutboxTransaction(options.dataSource, repository),
    },
    {
      provide: OutboxRelay,
      inject: [RESOLVED_OUTBOX_OPTIONS, OUTBOX_DIALECT, MESSAGE_BROKER, OutboxWakeup, optionalPeerToken('@nestjs/schedule', 'SchedulerRegistry'), { token: CQRS_TRACING, optional: true }],
      useFactory: (options: ResolvedOutboxOptions, dialect: OutboxDialect, broker: MessageBroker, wakeup: OutboxWakeup, jobs?: SchedulerRegistry, tracing?: CqrsTracing | null) =>
        new OutboxRelay({ dialect, broker, wakeup, options: options.relay, listen: options.notify, jobs, tracing }),
    },
    {
      provide: OutboxAdmin,
      inject: [RESOLVED_OUTBOX_OPTIONS, OUTBOX_DIALECT],
      useFactory: (options: ResolvedOutboxOptions, dialect: OutboxDialect) => new OutboxAdmin(dialect, options.relay),
    },
  ],
  exports: [OutboxRepository, OutboxTransaction, OutboxRelay, OutboxAdmin, OutboxWakeup],
})
export class OutboxModule extends OutboxConfigurableModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(RESOLVED_OUTBOX_OPTIONS) private readonly options: ResolvedOutboxOptions,
    @Inject(OUTBOX_DIALECT) private readonly dialect: OutboxDialect,
    private readonly commits: OutboxCommitSubscriber,
    private readonly relay: OutboxRelay,
    private readonly repository: OutboxRepository,
    private readonly emitter: EventEmitter,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    // Change capture: the slot must exist before the first event is written, or the relays never see it.
    if (this.options.relay.source === 'logical-replication') await this.dialect.prepareChangeCapture(this.options.relay.slotName);
    this.commits.attach();
    if (this.options.handlerEvents !== 'broker') {
      this.emitter.useIntegrationEventRoute(handlerEventsRoute(this.options.handlerEvents, this.options.dataSource, this.repository));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.relay.enabled) return;
    await loadRelayPackages(this.relay);
    await this.relay.start();
  }

  /** Before the broker and the data source close (their modules do that in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  onApplicationShutdown(): void {
    this.commits.detach();
  }
}
