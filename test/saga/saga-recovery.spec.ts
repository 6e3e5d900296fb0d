import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  DefineSaga,
  Saga,
  SagaModule,
  SagaRecovery,
  SagaRecoveryServer,
  SagaState,
  SagaStepStatus,
  type SagaExecutor,
  type SagaStep,
  type SagaStepContext,
  type SagaStepRecord,
} from 'nestjs-cqrs-broker/saga';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { buildExecutor, createSagaLog } from './saga-harness.js';

interface ParcelContext {
  parcel: string;
  labelled?: boolean;
}

class Counting implements SagaStep<ParcelContext> {
  acts = 0;
  compensations = 0;
  keys: string[] = [];

  act(_context: ParcelContext, step: SagaStepContext) {
    this.acts++;
    this.keys.push(step.idempotencyKey);
    return { labelled: true };
  }

  compensate() {
    this.compensations++;
  }
}
class Label extends Counting {}
class Pickup extends Counting {}
class Deliver extends Counting {}

const HOUR = 3_600_000;

describe.each(databases)('saga recovery on $name', (db) => {
  const tableName = uniqueTable('saga_rec');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await connect(db);
    await createSagaLog(dataSource, tableName);
  });
  afterAll(async () => {
    await dropTable(dataSource, tableName);
    await dataSource?.destroy();
  });

  function setup(options: { staleAfterMs?: number; maxRecoveryAttempts?: number; clock?: () => number } = {}) {
    const steps = { label: new Label(), pickup: new Pickup(), deliver: new Deliver() };
    const instances = new Map<Function, SagaStep<object>>([
      [Label, steps.label as SagaStep<object>],
      [Pickup, steps.pickup as SagaStep<object>],
      [Deliver, steps.deliver as SagaStep<object>],
    ]);
    const make = (workerId: string, clock?: () => number) =>
      buildExecutor(
        dataSource,
        [{ name: 'ship-parcel', steps: [Label, Pickup, Deliver] }],
        instances,
        { tableName, workerId, recovery: { staleAfterMs: options.staleAfterMs, maxRecoveryAttempts: options.maxRecoveryAttempts } },
        clock,
      );
    return { steps, make };
  }

  /** Leaves the saga as a worker that died would: `changes` applied, owned by "dead" with a lease that ran out. */
  async function dieWith(executor: SagaExecutor, id: string, change: (steps: SagaStepRecord[]) => SagaStepRecord[], extra: { state?: SagaState; recoveryAttempts?: number } = {}) {
    const record = (await executor.log.load(id))!;
    const now = Date.now();
    const written = await executor.log.update(id, record.version, { steps: change(record.steps), leaseOwner: 'dead', leaseUntil: now - 1, ...extra }, now);
    expect(written).toBe(true);
  }

  const at = (index: number, change: Partial<SagaStepRecord>) => (steps: SagaStepRecord[]) => steps.map((step, i) => (i === index ? { ...step, ...change } : step));

  it('resumes a saga whose worker died mid-step: the step runs again under the same idempotency key and the saga completes', async () => {
    const { steps, make } = setup();
    const dead = await make('dead');
    const id = randomUUID();
    await dead.create(dead.sagaOf('ship-parcel'), id, { parcel: 'P1' });
    await dieWith(dead, id, at(0, { status: SagaStepStatus.Running, attempts: 1 }));
    const result = await new SagaRecovery({ executor: await make('rescuer') }).recoverOnce();
    expect(result.found).toBeGreaterThanOrEqual(1);
    const saga = (await dead.log.load(id))!;
    expect(saga).toMatchObject({ state: SagaState.Completed, recoveryAttempts: 1, leaseOwner: null });
    expect(saga.steps.map((step) => [step.status, step.attempts])).toEqual([
      ['completed', 2],
      ['completed', 1],
      ['completed', 1],
    ]);
    expect(steps.label.keys).toEqual([`${id}:Label`]);
  });

  it('leaves alone a saga whose lease still runs: its worker is alive', async () => {
    const { steps, make } = setup();
    const alive = await make('alive');
    const id = randomUUID();
    await alive.create(alive.sagaOf('ship-parcel'), id, { parcel: 'P2' });
    await new SagaRecovery({ executor: await make('rescuer') }).recoverOnce();
    expect((await alive.log.load(id))!).toMatchObject({ state: SagaState.Running, recoveryAttempts: 0, leaseOwner: 'alive' });
    expect(steps.label.acts).toBe(0);
  });

  it('does not retry forever a saga that dies before its first step: once the step\'s attempts are spent by interruptions, it fails and the saga compensates', async () => {
    const { steps, make } = setup();
    const dead = await make('dead');
    const id = randomUUID();
    await dead.create(dead.sagaOf('ship-parcel'), id, { parcel: 'P3' });
    // Three workers took the first step (the default retry.maxAttempts) and died in it.
    await dieWith(dead, id, at(0, { status: SagaStepStatus.Running, attempts: 3 }), { recoveryAttempts: 2 });
    await new SagaRecovery({ executor: await make('rescuer') }).recoverOnce();
    const saga = (await dead.log.load(id))!;
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.steps[0]).toMatchObject({ status: SagaStepStatus.Failed, attempts: 3 });
    expect(saga.error).toContain('Step "Label" was interrupted');
    expect(steps.label.acts + steps.label.compensations).toBe(0);
  });

  it('gives up after maxRecoveryAttempts: the saga ends failed with the reason kept, and later looks leave it alone', async () => {
    const { steps, make } = setup({ maxRecoveryAttempts: 2 });
    const dead = await make('dead');
    const id = randomUUID();
    await dead.create(dead.sagaOf('ship-parcel'), id, { parcel: 'P4' });
    await dieWith(dead, id, at(0, { status: SagaStepStatus.Running, attempts: 1 }), { recoveryAttempts: 2 });
    const recovery = new SagaRecovery({ executor: await make('rescuer') });
    await recovery.recoverOnce();
    const saga = (await dead.log.load(id))!;
    expect(saga).toMatchObject({ state: SagaState.Failed, recoveryAttempts: 2, leaseOwner: null });
    expect(saga.error).toContain('Recovery gave up after 2 attempt(s)');
    expect(steps.label.acts).toBe(0);
    expect((await recovery.recoverOnce()).found).toBe(0);
  });

  it('compensates instead of resuming a running saga interrupted longer ago than staleAfterMs', async () => {
    const { steps, make } = setup({ staleAfterMs: HOUR });
    const twoHoursAgo = () => Date.now() - 2 * HOUR;
    const dead = await make('dead', twoHoursAgo);
    const id = randomUUID();
    await dead.create(dead.sagaOf('ship-parcel'), id, { parcel: 'P5' });
    const record = (await dead.log.load(id))!;
    await dead.log.update(id, record.version, { steps: at(0, { status: SagaStepStatus.Completed, attempts: 1 })(record.steps), leaseOwner: 'dead', leaseUntil: twoHoursAgo() + 1_000 }, twoHoursAgo());
    await new SagaRecovery({ executor: await make('rescuer') }).recoverOnce();
    const saga = (await dead.log.load(id))!;
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.error).toContain('compensated instead of resumed');
    expect([steps.label.compensations, steps.pickup.acts, steps.deliver.acts]).toEqual([1, 0, 0]);
  });

  it('resumes an interrupted compensation backwards from the step it was in', async () => {
    const { steps, make } = setup();
    const dead = await make('dead');
    const id = randomUUID();
    await dead.create(dead.sagaOf('ship-parcel'), id, { parcel: 'P6' });
    await dieWith(
      dead,
      id,
      (s) => at(2, { status: SagaStepStatus.Failed, attempts: 3 })(at(1, { status: SagaStepStatus.Compensating, attempts: 1, compensationAttempts: 1 })(at(0, { status: SagaStepStatus.Completed, attempts: 1 })(s))),
      { state: SagaState.Compensating },
    );
    await new SagaRecovery({ executor: await make('rescuer') }).recoverOnce();
    const saga = (await dead.log.load(id))!;
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.steps.map((step) => step.status)).toEqual(['compensated', 'compensated', 'failed']);
    expect(saga.steps[1].compensationAttempts).toBe(2);
    expect([steps.pickup.compensations, steps.label.compensations, steps.deliver.compensations]).toEqual([1, 1, 0]);
  });

  @Injectable()
  class Stamp implements SagaStep<ParcelContext> {
    act(): Partial<ParcelContext> {
      return { labelled: true };
    }
  }
  @DefineSaga({ name: 'stamp-parcel', steps: [Stamp] })
  class StampParcel extends Saga<ParcelContext> {}

  it.each(['in the app (SagaModule)', 'as a microservice (SagaRecoveryServer)'])('runs %s and resumes an interrupted saga', async (way) => {
    const microservice = way.includes('microservice');
    @Module({
      imports: [SagaModule.forRoot({ dataSource, tableName, workerId: `module-${randomUUID()}`, recovery: { enabled: !microservice, pollIntervalMs: 50 } })],
      providers: [StampParcel, Stamp],
    })
    class WorkerModule {}
    const { make } = setup();
    const dead = await buildExecutor(dataSource, [{ name: 'stamp-parcel', steps: [Stamp] }], new Map([[Stamp, new Stamp() as SagaStep<object>]]), { tableName, workerId: 'dead' });
    void make;
    const id = randomUUID();
    await dead.create(dead.sagaOf('stamp-parcel'), id, { parcel: 'P7' });
    await dieWith(dead, id, at(0, { status: SagaStepStatus.Running, attempts: 1 }));
    const app = microservice
      ? await NestFactory.createMicroservice(WorkerModule, { strategy: new SagaRecoveryServer(), logger: false })
      : await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    if (microservice) await (app as Awaited<ReturnType<typeof NestFactory.createMicroservice>>).listen();
    try {
      let saga = await dead.log.load(id);
      for (let i = 0; i < 200 && saga?.state !== SagaState.Completed; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        saga = await dead.log.load(id);
      }
      expect(saga).toMatchObject({ state: SagaState.Completed, recoveryAttempts: 1, context: { parcel: 'P7', labelled: true } });
    } finally {
      await app.close();
    }
  });
});
