// The saga of the crash test, shared by its child processes and the test itself: three steps whose every act and
// compensation inserts one effect row keyed by the step's idempotency key, in the step's transaction.
// Imports the library by relative path: the children run it through test/brokers/support/child/register.mjs.
import { Table, type DataSource, type DataSourceOptions } from 'typeorm';
import { compileSaga } from '../../../libs/cqrs-broker/src/saga/compiled-saga.js';
import { SagaExecutor } from '../../../libs/cqrs-broker/src/saga/saga-executor.js';
import { SagaLog } from '../../../libs/cqrs-broker/src/saga/saga-log.js';
import { resolveSagaOptions } from '../../../libs/cqrs-broker/src/saga/saga-options.resolver.js';
import type { SagaStep, SagaStepContext } from '../../../libs/cqrs-broker/src/saga/saga-step.interface.js';

export interface CrashContext {
  n: number;
  failAt: string | null;
}

export const STEP_NAMES = ['Reserve', 'Charge', 'Ship'] as const;

/** Which step fails for the n-th saga: two in five complete, the others compensate from each step. */
export const failAtOf = (n: number): string | null => [null, null, 'Reserve', 'Charge', 'Ship'][n % 5];

/** The data source options of a database by name (`sqliteFile` for SQLite). */
export function crashDatabaseOptions(name: string, sqliteFile?: string): DataSourceOptions {
  switch (name) {
    case 'postgres':
      return { type: 'postgres', url: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', poolSize: 10 };
    case 'mariadb':
      return { type: 'mariadb', url: process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test', poolSize: 10 };
    default:
      return { type: 'better-sqlite3', database: sqliteFile!, timeout: 20_000, prepareDatabase: (db: { pragma(sql: string): unknown }) => void db.pragma('journal_mode = WAL') };
  }
}

export async function createEffectsTable(dataSource: DataSource, table: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.createTable(
      new Table({
        name: table,
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          // Not unique on purpose: an effect applied twice would show as two rows.
          { name: 'effect_key', type: 'varchar', length: '255' },
          { name: 'saga_id', type: 'varchar', length: '128' },
          { name: 'kind', type: 'varchar', length: '16' },
        ],
      }),
      true,
    );
  } finally {
    await runner.release();
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class EffectStep implements SagaStep<CrashContext> {
  constructor(
    private readonly name: string,
    private readonly effects: string,
  ) {}

  private async record(step: SagaStepContext, kind: string) {
    await step.manager.createQueryBuilder().insert().into(this.effects, ['effect_key', 'saga_id', 'kind']).values({ effect_key: step.idempotencyKey, saga_id: step.sagaId, kind }).execute();
  }

  async act(context: CrashContext, step: SagaStepContext) {
    await pause(Math.random() * 4);
    await this.record(step, 'act');
    if (context.failAt === this.name) throw new Error(`${this.name} refused saga ${context.n}`);
  }

  async compensate(_context: CrashContext, step: SagaStepContext) {
    await pause(Math.random() * 4);
    await this.record(step, 'compensate');
  }
}

class Reserve extends EffectStep {}
class Charge extends EffectStep {}
class Ship extends EffectStep {}

/** An executor of the crash saga for one worker. */
export async function crashExecutor(dataSource: DataSource, sagaTable: string, effectsTable: string, workerId: string, leaseMs: number): Promise<SagaExecutor> {
  const options = resolveSagaOptions({
    tableName: sagaTable,
    workerId,
    leaseMs,
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
    compensationRetry: { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 },
    recovery: { pollIntervalMs: 100, batchSize: 50 },
  });
  const instances = new Map<Function, SagaStep<object>>([
    [Reserve, new Reserve('Reserve', effectsTable) as SagaStep<object>],
    [Charge, new Charge('Charge', effectsTable) as SagaStep<object>],
    [Ship, new Ship('Ship', effectsTable) as SagaStep<object>],
  ]);
  const saga = await compileSaga({ name: 'crash-order', steps: [Reserve, Charge, Ship] }, (type) => instances.get(type)!, options);
  return new SagaExecutor({ log: new SagaLog(dataSource, sagaTable), sagas: [saga], options });
}
