import { Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { EventSerializer } from '../events/event-serializer.js';
import { OutboxAdmin } from './outbox-admin.js';
import { assertOutboxCodec } from './outbox-codec.js';
import { OutboxCommitSubscriber } from './outbox-commit.subscriber.js';
import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import { createOutboxDialect } from './outbox-dialect.factory.js';
import type { OutboxModuleOptions } from './outbox-options.interface.js';
import { OutboxRelay } from './outbox-relay.js';
import { OutboxRelayController } from './outbox-relay.controller.js';
import { OutboxRepository } from './outbox-repository.js';
import { OutboxTransaction } from './outbox-transaction.js';
import { OutboxWakeup } from './outbox-wakeup.js';
import type { OutboxDialect } from './outbox.dialect.js';
import { OUTBOX_DIALECT, OUTBOX_OPTIONS, OutboxConfigurableModule } from './outbox.module-definition.js';

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
 *     CqrsBrokerModule.forRoot({ broker: new KafkaMessageBroker({ brokers }) }),
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
      provide: OUTBOX_DIALECT,
      inject: [OUTBOX_OPTIONS],
      useFactory: (options: OutboxModuleOptions): OutboxDialect => createOutboxDialect(options.dataSource, options.tableName ?? OUTBOX_DEFAULTS.tableName),
    },
    { provide: OutboxWakeup, useFactory: () => new OutboxWakeup() },
    {
      provide: OutboxCommitSubscriber,
      inject: [OUTBOX_OPTIONS, OutboxWakeup],
      useFactory: (options: OutboxModuleOptions, wakeup: OutboxWakeup) => new OutboxCommitSubscriber(options.dataSource, wakeup),
    },
    {
      provide: OutboxRepository,
      inject: [OUTBOX_OPTIONS, OUTBOX_DIALECT, EventSerializer, OutboxCommitSubscriber],
      useFactory: (options: OutboxModuleOptions, dialect: OutboxDialect, serializer: EventSerializer, commits: OutboxCommitSubscriber) => {
        const codec = options.codec ?? OUTBOX_DEFAULTS.codec;
        assertOutboxCodec(codec);
        return new OutboxRepository(dialect, serializer, codec, commits, options.notify ?? OUTBOX_DEFAULTS.notify);
      },
    },
    {
      provide: OutboxTransaction,
      inject: [OUTBOX_OPTIONS, OutboxRepository],
      useFactory: (options: OutboxModuleOptions, repository: OutboxRepository) => new OutboxTransaction(options.dataSource, repository),
    },
    {
      provide: OutboxRelay,
      inject: [OUTBOX_OPTIONS, OUTBOX_DIALECT, MESSAGE_BROKER, OutboxWakeup, { token: SchedulerRegistry, optional: true }],
      useFactory: (options: OutboxModuleOptions, dialect: OutboxDialect, broker: MessageBroker, wakeup: OutboxWakeup, jobs?: SchedulerRegistry) =>
        new OutboxRelay({ dialect, broker, wakeup, options: options.relay, listen: options.notify ?? OUTBOX_DEFAULTS.notify, jobs }),
    },
    { provide: OutboxAdmin, inject: [OUTBOX_DIALECT], useFactory: (dialect: OutboxDialect) => new OutboxAdmin(dialect) },
  ],
  exports: [OutboxRepository, OutboxTransaction, OutboxRelay, OutboxAdmin, OutboxWakeup],
})
export class OutboxModule extends OutboxConfigurableModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxModuleOptions,
    private readonly commits: OutboxCommitSubscriber,
    private readonly relay: OutboxRelay,
  ) {
    super();
  }

  onModuleInit(): void {
    this.commits.attach();
  }

  onApplicationBootstrap(): void {
    if (this.options.relay?.enabled ?? OUTBOX_DEFAULTS.relay.enabled) this.relay.start();
  }

  /** Before the broker and the data source close (their modules do that in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  onApplicationShutdown(): void {
    this.commits.detach();
  }
}
