// Builds saga executors by hand on a test database (the Nest module is covered in saga-module.spec.ts).
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CircuitBreakers } from 'nestjs-cqrs-broker';
import {
  compileSaga,
  createSagaLogMigration,
  resolveSagaOptions,
  SagaExecutor,
  SagaLog,
  type SagaDefinition,
  type SagaModuleOptions,
  type SagaStep,
} from 'nestjs-cqrs-broker/saga';

// The executors log every compensation and failure; the tests check the log itself.
Logger.overrideLogger(false);

/** Waits of a millisecond or so: tests spend no time in backoff. */
export const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 5, jitter: 'none' } as const;

export async function createSagaLog(dataSource: DataSource, tableName: string): Promise<void> {
  const Migration = createSagaLogMigration({ tableName });
  const runner = dataSource.createQueryRunner();
  try {
    await new Migration().up(runner);
  } finally {
    await runner.release();
  }
}

export interface HarnessOptions extends Omit<SagaModuleOptions, 'dataSource' | 'sagas'> {
  readonly tableName: string;
  /** Where step breakers are registered. */
  readonly breakers?: CircuitBreakers;
}

/** An executor with `definitions`' steps bound to the given instances (by class). */
export async function buildExecutor(
  dataSource: DataSource,
  definitions: readonly SagaDefinition<object>[],
  instances: ReadonlyMap<Function, SagaStep<object>>,
  options: HarnessOptions,
  clock?: () => number,
): Promise<SagaExecutor> {
  const { breakers, ...sagaOptions } = options;
  const resolved = resolveSagaOptions({ retry: FAST_RETRY, compensationRetry: FAST_RETRY, ...sagaOptions });
  const executor = new SagaExecutor({ log: new SagaLog(dataSource, resolved.tableName), options: resolved, clock });
  for (const definition of definitions) {
    executor.register(
      await compileSaga(definition, (type) => {
        const instance = instances.get(type);
        if (!instance) throw new Error(`no instance for ${type.name}`);
        return instance;
      }, resolved, { breakers }),
    );
  }
  return executor;
}
