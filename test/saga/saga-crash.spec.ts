// SIGKILL at random points while many sagas run, then recovery: every saga ends completed or compensated, and no
// step's effect is applied twice (each act and compensation writes one row keyed by its idempotency key, in its
// transaction).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SagaRecovery, SagaState } from 'nestjs-cqrs-broker/saga';
import { dropTable, uniqueTable } from '../outbox/databases.js';
import { createSagaLog } from './saga-harness.js';
import { startSagaChild as startChild, type SagaChild as Child } from './support/saga-children.js';
import { crashDatabaseOptions, crashExecutor, createEffectsTable, failAtOf, STEP_NAMES } from './support/crash-saga.js';

const KILL_ROUNDS = 2;
const LEASE_MS = 1_000;
const TOTAL_SAGAS = 150;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number) => min + Math.random() * (max - min);

// SQLite: one writing process, as it is deployed (its write lock would make several processes take turns).
describe.each([
  { db: 'postgres', children: 3 },
  { db: 'mariadb', children: 3 },
  { db: 'sqlite', children: 1 },
])('sagas SIGKILLed at random points on $db ($children worker processes)', ({ db, children: CHILDREN }) => {
  const SAGAS_PER_CHILD = TOTAL_SAGAS / CHILDREN;
  const sagaTable = uniqueTable('saga_crash');
  const effectsTable = uniqueTable('saga_fx');
  const sqliteFile = join(mkdtempSync(join(tmpdir(), 'saga-crash-')), 'saga.sqlite');
  const children: Child[] = [];
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(crashDatabaseOptions(db, sqliteFile));
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(`${db} is not reachable (${(error as Error).message}): start it (see test/outbox/databases.ts) or set POSTGRES_URL / MARIADB_URL`);
    }
    await createSagaLog(dataSource, sagaTable);
    await createEffectsTable(dataSource, effectsTable);
  });

  afterAll(async () => {
    for (const child of children) if (!child.exited) child.process.kill('SIGKILL');
    await dropTable(dataSource, sagaTable);
    await dropTable(dataSource, effectsTable);
    await dataSource?.destroy();
  });

  it('every saga ends completed or compensated, and no step effect is applied twice', async () => {
    const run = randomBytes(3).toString('hex');
    const envOf = (k: number, generation: number) => ({
      SAGA_DB: db,
      SAGA_SQLITE_FILE: sqliteFile,
      SAGA_TABLE: sagaTable,
      SAGA_EFFECTS: effectsTable,
      SAGA_WORKER: `child-${k}-${generation}`,
      SAGA_LEASE_MS: String(LEASE_MS),
      SAGA_PREFIX: `${run}-${k}`,
      SAGA_COUNT: String(SAGAS_PER_CHILD),
    });
    const lanes = Array.from({ length: CHILDREN }, (_, k) => startChild(envOf(k, 0)));
    children.push(...lanes);

    // Two rounds: once children are busy, SIGKILL some of them (at least one) at random moments, and start a
    // replacement for each (it starts its range again: idempotent by id, and recovers what the dead one left).
    let kills = 0;
    for (let round = 1; round <= KILL_ROUNDS; round++) {
      const deadline = Date.now() + 120_000;
      let busy: number[] = [];
      while (Date.now() < deadline) {
        busy = lanes.flatMap((child, k) => (!child.rangeDone && !child.exited && child.created.size > 0 ? [k] : []));
        if (busy.length) break;
        await pause(50);
      }
      const victims = busy.filter(() => Math.random() < 0.6);
      if (!victims.length && busy.length) victims.push(busy[Math.floor(Math.random() * busy.length)]);
      await Promise.all(
        victims.map(async (k) => {
          await pause(random(0, 400));
          if (lanes[k].rangeDone) return;
          lanes[k].process.kill('SIGKILL');
          kills++;
          lanes[k] = startChild(envOf(k, round));
          children.push(lanes[k]);
        }),
      );
    }
    expect(kills).toBeGreaterThan(0);

    // Let every lane finish its range, then stop the children (SIGKILL again: a last crash for good measure).
    const deadline = Date.now() + 120_000;
    while (!lanes.every((child) => child.rangeDone) && Date.now() < deadline) {
      const dead = lanes.find((child) => child.exited && !child.rangeDone);
      if (dead) throw new Error(`a saga child exited on its own:\n${dead.log}`);
      await pause(100);
    }
    expect(lanes.map((child) => child.rangeDone)).toEqual(lanes.map(() => true));
    for (const child of children) if (!child.exited) child.process.kill('SIGKILL');

    // Recovery in this process finishes whatever the last kill interrupted.
    const executor = await crashExecutor(dataSource, sagaTable, effectsTable, 'final-recovery', LEASE_MS);
    const recovery = new SagaRecovery({ executor });
    const active = async () => (await executor.log.countByState()).running ?? 0;
    const recoveryDeadline = Date.now() + 60_000;
    for (;;) {
      await recovery.recoverOnce();
      const counts = await executor.log.countByState();
      if (!counts.running && !counts.compensating) break;
      if (Date.now() > recoveryDeadline) throw new Error(`sagas still active after recovery: ${JSON.stringify(counts)}`);
      await pause(200);
    }
    expect(await active()).toBe(0);

    const sagas = await executor.log.list({ limit: CHILDREN * SAGAS_PER_CHILD + 10 });
    expect(sagas).toHaveLength(CHILDREN * SAGAS_PER_CHILD);
    const escape = (name: string) => dataSource.driver.escape(name);
    const effects: { effect_key: string; saga_id: string; kind: string }[] = await dataSource.query(`SELECT effect_key, saga_id, kind FROM ${escape(effectsTable)}`);
    const byKey = new Map<string, number>();
    for (const effect of effects) byKey.set(effect.effect_key, (byKey.get(effect.effect_key) ?? 0) + 1);
    expect([...byKey].filter(([, count]) => count > 1)).toEqual([]);

    const states: Record<string, number> = {};
    for (const saga of sagas) {
      states[saga.state] = (states[saga.state] ?? 0) + 1;
      const n = Number(saga.id.split('-').pop());
      const applied = (step: string) => byKey.has(`${saga.id}:${step}`);
      const undone = (step: string) => byKey.has(`${saga.id}:${step}:compensate`);
      if (saga.state === SagaState.Completed) {
        expect(failAtOf(n)).toBeNull();
        for (const step of STEP_NAMES) expect([saga.id, step, applied(step), undone(step)]).toEqual([saga.id, step, true, false]);
      } else {
        expect([saga.id, saga.state, saga.error]).toEqual([saga.id, SagaState.Compensated, expect.any(String)]);
        // Whatever was applied was undone, and nothing was undone that was not applied.
        for (const step of STEP_NAMES) expect([saga.id, step, undone(step)]).toEqual([saga.id, step, applied(step)]);
      }
    }
    // The kills interrupted sagas: some were taken over from a dead worker.
    expect(sagas.reduce((sum, saga) => sum + saga.recoveryAttempts, 0)).toBeGreaterThan(0);
    // Sagas meant to fail compensate; some meant to succeed may compensate too (a step interrupted on each of its attempts).
    expect(states.compensated).toBeGreaterThanOrEqual(sagas.filter((saga) => failAtOf(Number(saga.id.split('-').pop())) !== null).length);
    console.info(`saga crash test on ${db}: ${kills} kills, ${JSON.stringify(states)}, ${sagas.reduce((sum, saga) => sum + saga.recoveryAttempts, 0)} recoveries, ${effects.length} effects`);
  }, 300_000);
});
