import { Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { optionalPeerToken } from '../optional-peer.js';
import { OutboxRepository } from '../outbox/outbox-repository.js';
import { SagaAdmin } from './saga-admin.js';
import { SagaExecutor } from './saga-executor.js';
import { SagaLog } from './saga-log.js';
import { SagaMediator } from './saga-mediator.js';
import type { SagaModuleOptions } from './saga-options.interface.js';
import { resolveSagaOptions, sagaDataSourceOf, type ResolvedSagaOptions } from './saga-options.resolver.js';
import { SagaRecovery } from './saga-recovery.js';
import { SagaRecoveryController } from './saga-recovery.controller.js';
import { SagaRegistry } from './saga-registry.js';
import { RESOLVED_SAGA_OPTIONS, SAGA_OPTIONS, SagaConfigurableModule } from './saga.module-definition.js';

/**
 * Orchestrated sagas on TypeORM: `SagaMediator` starts them, `SagaExecutor`
 * runs their steps against the saga log, and `SagaRecovery` resumes the
 * sagas of workers that stopped (in the app unless `recovery.enabled` is
 * false; see `SagaRecoveryServer` to run it as its own process). Steps emit
 * events through the outbox when `OutboxModule` is imported. Global by default.
 *
 * @example
 * \@Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ ..., entities: [createSagaLogEntity({ databaseType: 'postgres' })] }),
 *     SagaModule.forRoot({ retry: { maxAttempts: 5 } }),
 *   ],
 *   providers: [BookMeeting, ReserveRoom, InviteParticipants, SendLink],
 * })
 * export class BookingsModule {}
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [SagaRecoveryController],
  providers: [
    {
      // The one place the options are completed and checked.
      provide: RESOLVED_SAGA_OPTIONS,
      inject: [SAGA_OPTIONS],
      useFactory: (options: SagaModuleOptions): ResolvedSagaOptions => resolveSagaOptions(options),
    },
    {
      provide: SagaLog,
      // The app's DataSource is injected (not looked up) so Nest waits for an async one such as TypeOrmModule's.
      inject: [SAGA_OPTIONS, RESOLVED_SAGA_OPTIONS, optionalPeerToken('typeorm', 'DataSource', 'SagaModule')],
      useFactory: (options: SagaModuleOptions, resolved: ResolvedSagaOptions, appDataSource?: DataSource) =>
        new SagaLog(sagaDataSourceOf(options, appDataSource), resolved.tableName),
    },
    {
      provide: SagaExecutor,
      inject: [RESOLVED_SAGA_OPTIONS, SagaLog, { token: OutboxRepository, optional: true }],
      useFactory: (options: ResolvedSagaOptions, log: SagaLog, outbox?: OutboxRepository) => new SagaExecutor({ log, options, outbox }),
    },
    SagaRegistry,
    { provide: SagaMediator, inject: [SagaExecutor], useFactory: (executor: SagaExecutor) => new SagaMediator(executor) },
    { provide: SagaRecovery, inject: [SagaExecutor], useFactory: (executor: SagaExecutor) => new SagaRecovery({ executor }) },
    { provide: SagaAdmin, inject: [SagaExecutor], useFactory: (executor: SagaExecutor) => new SagaAdmin(executor) },
  ],
  exports: [SagaMediator, SagaExecutor, SagaLog, SagaRecovery, SagaAdmin],
})
export class SagaModule extends SagaConfigurableModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly executor: SagaExecutor,
    private readonly recovery: SagaRecovery,
    @Inject(RESOLVED_SAGA_OPTIONS) private readonly options: ResolvedSagaOptions,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    if (this.options.recovery.enabled) this.recovery.start();
  }

  /** Before the data source closes: the recovery stops looking, and sagas in flight stop after their current step. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.executor.stop();
    await this.recovery.stop();
  }
}
