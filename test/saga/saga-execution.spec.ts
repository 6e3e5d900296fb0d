import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createSagaLogEntity, createSagaLogMigration, SagaState, SagaStepStatus, type SagaDefinition, type SagaStep, type SagaStepContext } from 'nestjs-cqrs-broker/saga';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { buildExecutor, createSagaLog, FAST_RETRY } from './saga-harness.js';

interface TripContext {
  city: string;
  failAt?: string;
  hotelId?: string;
  flightId?: string;
  carId?: string;
}

/** What the steps did, in order, across every executor of a test. */
type Journal = string[];

/** A step that records its act and compensation, fails its act when the context says so, and can be slowed down. */
function recordingStep(name: string, journal: Journal, produces: keyof TripContext, opts: { delayMs?: number; compensate?: 'ok' | 'always-fails' } = {}) {
  const step: SagaStep<TripContext> & { acts: number; compensations: number; keys: string[] } = {
    acts: 0,
    compensations: 0,
    keys: [],
    async act(context: TripContext, ctx: SagaStepContext) {
      step.acts++;
      step.keys.push(ctx.idempotencyKey);
      if (opts.delayMs) await new Promise((resolve) => setTimeout(resolve, opts.delayMs));
      if (context.failAt === name) throw new Error(`${name} is not available in ${context.city}`);
      journal.push(`act ${name}`);
      return { [produces]: `${name}-${context.city}` } as Partial<TripContext>;
    },
  };
  if (opts.compensate !== undefined) {
    step.compensate = async (context: TripContext) => {
      step.compensations++;
      if (opts.compensate === 'always-fails') throw new Error(`${name} cannot be cancelled`);
      // The context a compensation sees holds what its act returned.
      journal.push(`compensate ${name} (${String(context[produces])})`);
    };
  }
  return step;
}

// The step classes only name the steps here: buildExecutor binds them to the recording instances.
class Hotel implements SagaStep<TripContext> {
  act(): void {}
}
class Flight extends Hotel {}
class Car extends Hotel {}

function trip(journal: Journal, opts: { delayMs?: number; flightCompensation?: 'ok' | 'always-fails' } = {}) {
  const hotel = recordingStep('Hotel', journal, 'hotelId', { delayMs: opts.delayMs, compensate: 'ok' });
  const flight = recordingStep('Flight', journal, 'flightId', { delayMs: opts.delayMs, compensate: opts.flightCompensation ?? 'ok' });
  const car = recordingStep('Car', journal, 'carId', { delayMs: opts.delayMs, compensate: 'ok' });
  const definition: SagaDefinition<TripContext> = { name: 'book-trip', steps: [Hotel, Flight, Car] };
  const instances = new Map<Function, SagaStep<object>>([
    [Hotel, hotel as SagaStep<object>],
    [Flight, flight as SagaStep<object>],
    [Car, car as SagaStep<object>],
  ]);
  return { hotel, flight, car, definition: definition as SagaDefinition<object>, instances };
}

describe.each(databases)('sagas on $name', (db) => {
  const tableName = uniqueTable('saga');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await connect(db);
    await createSagaLog(dataSource, tableName);
  });

  afterAll(async () => {
    await dropTable(dataSource, tableName);
    await dataSource?.destroy();
  });

  it('runs every step in order, merges what each returns into the context, and ends completed', async () => {
    const journal: Journal = [];
    const { definition, instances } = trip(journal);
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName });
    const id = randomUUID();
    await executor.create(executor.sagaOf('book-trip'), id, { city: 'Lisbon' });
    const saga = await executor.run(id);
    expect(saga.state).toBe(SagaState.Completed);
    expect(journal).toEqual(['act Hotel', 'act Flight', 'act Car']);
    expect(saga.context).toEqual({ city: 'Lisbon', hotelId: 'Hotel-Lisbon', flightId: 'Flight-Lisbon', carId: 'Car-Lisbon' });
    expect(saga.steps.map(({ name, status, attempts }) => ({ name, status, attempts }))).toEqual([
      { name: 'Hotel', status: 'completed', attempts: 1 },
      { name: 'Flight', status: 'completed', attempts: 1 },
      { name: 'Car', status: 'completed', attempts: 1 },
    ]);
    expect(saga.leaseOwner).toBeNull();
    // The log holds the same as the result.
    expect((await executor.log.load(id))?.context).toEqual(saga.context);
  });

  it.each([
    ['Hotel', []],
    ['Flight', ['compensate Hotel (Hotel-Oslo)']],
    ['Car', ['compensate Flight (Flight-Oslo)', 'compensate Hotel (Hotel-Oslo)']],
  ])('a step that fails at %s compensates exactly the completed steps, in reverse, and ends compensated', async (failAt, compensations) => {
    const journal: Journal = [];
    const { definition, instances, hotel, flight, car } = trip(journal);
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName, retry: { ...FAST_RETRY, maxAttempts: 2 } });
    const id = randomUUID();
    await executor.create(executor.sagaOf('book-trip'), id, { city: 'Oslo', failAt });
    const saga = await executor.run(id);
    expect(saga.state).toBe(SagaState.Compensated);
    const acted = journal.filter((line) => line.startsWith('act'));
    expect(journal).toEqual([...acted, ...compensations]);
    const failed = saga.steps.find((step) => step.name === failAt)!;
    expect(failed).toMatchObject({ status: SagaStepStatus.Failed, attempts: 2 });
    expect(failed.error).toContain(`${failAt} is not available in Oslo`);
    expect(saga.error).toContain(`Step "${failAt}" failed after 2 attempt(s)`);
    // The failed step is not compensated; the ones after it never ran.
    for (const step of [hotel, flight, car]) expect(step.compensations).toBe(compensations.filter((line) => line.includes(`compensate ${step === hotel ? 'Hotel' : step === flight ? 'Flight' : 'Car'}`)).length);
    expect(saga.steps.filter((step) => step.status === SagaStepStatus.Compensated).map((step) => step.name)).toEqual(
      compensations.map((line) => line.split(' ')[1]).reverse(),
    );
  });

  it('retries a failing step with backoff up to its limit: two failures, then success on the third attempt', async () => {
    const journal: Journal = [];
    const { definition, instances, flight } = trip(journal);
    let failures = 2;
    const act = flight.act.bind(flight);
    flight.act = async (context, ctx) => {
      if (failures-- > 0) throw new Error(`flight desk busy (attempt ${ctx.attempt})`);
      return act(context, ctx);
    };
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName, retry: { ...FAST_RETRY, maxAttempts: 3 } });
    const id = randomUUID();
    await executor.create(executor.sagaOf('book-trip'), id, { city: 'Rome' });
    const saga = await executor.run(id);
    expect(saga.state).toBe(SagaState.Completed);
    expect(saga.steps[1]).toMatchObject({ name: 'Flight', status: 'completed', attempts: 3, error: null });
  });

  it('starting twice with one id runs the saga once, even when both starts race', async () => {
    const journal: Journal = [];
    const { definition, instances, hotel, flight, car } = trip(journal, { delayMs: 20 });
    const first = await buildExecutor(dataSource, [definition], instances, { tableName, workerId: 'first' });
    const second = await buildExecutor(dataSource, [definition], instances, { tableName, workerId: 'second' });
    const id = randomUUID();
    const start = async (executor: typeof first) => {
      await executor.create(executor.sagaOf('book-trip'), id, { city: 'Paris' });
      return executor.run(id);
    };
    const [a, b] = await Promise.all([start(first), start(second)]);
    expect([a.state, b.state]).toEqual([SagaState.Completed, SagaState.Completed]);
    expect([hotel.acts, flight.acts, car.acts]).toEqual([1, 1, 1]);
    // Later starts with the id only read the outcome.
    const again = await start(first);
    expect(again.version).toBe(a.version);
    expect([hotel.acts, flight.acts, car.acts]).toEqual([1, 1, 1]);
  });

  it('one executor asked twice at once for one saga runs it once: the second call waits for the first', async () => {
    const journal: Journal = [];
    const { definition, instances, hotel, flight, car } = trip(journal, { delayMs: 15 });
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName });
    const id = randomUUID();
    const start = async () => {
      await executor.create(executor.sagaOf('book-trip'), id, { city: 'Prague' });
      return executor.run(id);
    };
    const results = await Promise.all([start(), start(), start()]);
    expect(results.map((saga) => saga.state)).toEqual([SagaState.Completed, SagaState.Completed, SagaState.Completed]);
    expect([hotel.acts, flight.acts, car.acts]).toEqual([1, 1, 1]);
  });

  it('two recovery workers racing on one interrupted saga run each step once: one wins the versioned write, the other stands back', async () => {
    const journal: Journal = [];
    const { definition, instances, hotel, flight, car } = trip(journal, { delayMs: 10 });
    // A worker that stored the saga and died: its lease of 1 ms runs out at once.
    const dead = await buildExecutor(dataSource, [definition], instances, { tableName, workerId: 'dead', leaseMs: 1 });
    const id = randomUUID();
    await dead.create(dead.sagaOf('book-trip'), id, { city: 'Berlin' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const workers = await Promise.all(['a', 'b', 'c', 'd'].map((workerId) => buildExecutor(dataSource, [definition], instances, { tableName, workerId })));
    const results = await Promise.all(workers.map((worker) => worker.drive(id, { recovery: true })));
    expect(results.filter((result) => !result.busy).map((result) => result.record.state)).toContain(SagaState.Completed);
    expect([hotel.acts, flight.acts, car.acts]).toEqual([1, 1, 1]);
    const saga = await workers[0].log.load(id);
    expect(saga).toMatchObject({ state: SagaState.Completed, recoveryAttempts: 1 });
  });

  it('a compensation that always fails ends the saga failed after its limit, with the error kept and nothing compensated past it', async () => {
    const journal: Journal = [];
    const { definition, instances, hotel, flight } = trip(journal, { flightCompensation: 'always-fails' });
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName, retry: { ...FAST_RETRY, maxAttempts: 1 }, compensationRetry: { ...FAST_RETRY, maxAttempts: 3 } });
    const id = randomUUID();
    await executor.create(executor.sagaOf('book-trip'), id, { city: 'Madrid', failAt: 'Car' });
    const saga = await executor.run(id);
    expect(saga.state).toBe(SagaState.Failed);
    expect(flight.compensations).toBe(3);
    expect(hotel.compensations).toBe(0);
    expect(saga.steps.map((step) => step.status)).toEqual([SagaStepStatus.Completed, SagaStepStatus.CompensationFailed, SagaStepStatus.Failed]);
    expect(saga.steps[1]).toMatchObject({ compensationAttempts: 3 });
    expect(saga.steps[1].error).toContain('Flight cannot be cancelled');
    expect(saga.error).toContain('Compensation of step "Flight" failed after 3 attempt(s)');
    expect(saga.leaseOwner).toBeNull();
    // Failed is final: running it again does nothing.
    await executor.run(id);
    expect(flight.compensations).toBe(3);
  });

  it('a step gets an idempotency key of saga id and step name, the same on every attempt', async () => {
    const journal: Journal = [];
    const { definition, instances, flight } = trip(journal);
    const act = flight.act.bind(flight);
    let failures = 1;
    flight.act = async (context, ctx) => {
      const result = await act(context, ctx);
      if (failures-- > 0) throw new Error('lost the answer');
      return result;
    };
    const executor = await buildExecutor(dataSource, [definition], instances, { tableName });
    const id = randomUUID();
    await executor.create(executor.sagaOf('book-trip'), id, { city: 'Vienna' });
    await executor.run(id);
    expect(flight.keys).toEqual([`${id}:Flight`, `${id}:Flight`]);
  });
});

describe.each(databases)('saga log schema on $name', (db) => {
  const synced = uniqueTable('saga_sync');
  const migrated = uniqueTable('saga_mig');
  let dataSource: DataSource;

  afterAll(async () => {
    await dropTable(dataSource, synced);
    await dropTable(dataSource, migrated);
    await dataSource?.destroy();
  });

  it('the migration creates exactly the table synchronize would: synchronize finds nothing to change', async () => {
    dataSource = await connect(db, [createSagaLogEntity({ databaseType: db.type, tableName: migrated })], {
      migrations: [createSagaLogMigration({ tableName: migrated })],
      migrationsTableName: `${migrated}_migrations`,
    });
    await dataSource.runMigrations();
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    await dataSource.undoLastMigration();
    await dropTable(dataSource, `${migrated}_migrations`);
  });

  it('synchronize creates the table from the entity and a second run changes nothing', async () => {
    await dataSource.destroy();
    dataSource = await connect(db, [createSagaLogEntity({ databaseType: db.type, tableName: synced })], { synchronize: true });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
