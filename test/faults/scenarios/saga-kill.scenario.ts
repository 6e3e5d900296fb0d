import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SagaRecovery, SagaState } from 'nestjs-cqrs-broker/saga';
import { createSagaLog } from '../../saga/saga-harness.js';
import { crashDatabaseOptions, crashExecutor, createEffectsTable, failAtOf, STEP_NAMES } from '../../saga/support/crash-saga.js';
import { startSagaChild, type SagaChild } from '../../saga/support/saga-children.js';
import { randomBetween, type Scenario, type ScenarioOutcome } from './scenario.js';

const WORKERS = 3;
const KILLS = 5;
const LEASE_MS = 1_000;
/** Sagas are slower than events (5 commits each): at most this many per run. */
const MAX_SAGAS = 3_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * S1. Saga workers SIGKILLed: three worker processes (test/saga/support/saga-crash-child.ts) start
 * sagas of three steps — two in five complete, the others fail at one of the steps and compensate —
 * and run the recovery worker. Five times, at random moments, one busy worker is SIGKILLed and
 * restarted (it starts its range again: idempotent by id). Then the workers are stopped and a last
 * recovery finishes what the last kill interrupted. Counts: handled = sagas that ended completed or
 * compensated; lost = sagas that did not; duplicates = step effects applied twice (each act and
 * compensation writes one row keyed by its idempotency key, in its transaction). Pass: every saga
 * ended as its failAt says, nothing applied twice, every applied effect of a compensated saga undone.
 */
export const sagaKill: Scenario = {
  name: 'S1 saga workers SIGKILL ×5',
  slug: 'sagakill',
  runs: [
    { broker: 'n/a', database: 'postgres' },
    { broker: 'n/a', database: 'mariadb' },
  ],
  async run({ database, events, log }): Promise<ScenarioOutcome> {
    const perWorker = Math.floor(Math.min(events, MAX_SAGAS) / WORKERS);
    const total = perWorker * WORKERS;
    const suffix = randomBytes(3).toString('hex');
    const sagaTable = `faults_saga_${suffix}`;
    const effectsTable = `faults_saga_fx_${suffix}`;
    const dataSource = await new DataSource(crashDatabaseOptions(database)).initialize();
    const children: SagaChild[] = [];
    try {
      await createSagaLog(dataSource, sagaTable);
      await createEffectsTable(dataSource, effectsTable);
      const envOf = (k: number, generation: number) => ({
        SAGA_DB: database,
        SAGA_TABLE: sagaTable,
        SAGA_EFFECTS: effectsTable,
        SAGA_WORKER: `worker-${k}-${generation}`,
        SAGA_LEASE_MS: String(LEASE_MS),
        SAGA_PREFIX: `${suffix}-${k}`,
        SAGA_COUNT: String(perWorker),
      });
      const lanes = Array.from({ length: WORKERS }, (_, k) => startSagaChild(envOf(k, 0)));
      children.push(...lanes);
      let kills = 0;
      let lastKillAt = Date.now();
      for (let generation = 1; kills < KILLS; generation++) {
        await pause(randomBetween(300, 1_500));
        const busy = lanes.flatMap((child, k) => (!child.rangeDone && !child.exited && child.created.size > 0 ? [k] : []));
        if (!busy.length) {
          if (lanes.every((child) => child.rangeDone)) break;
          continue;
        }
        const k = busy[Math.floor(Math.random() * busy.length)];
        lanes[k].process.kill('SIGKILL');
        kills++;
        lastKillAt = Date.now();
        log(`SIGKILL worker ${k} (${lanes[k].created.size} sagas stored by it); restarting`);
        lanes[k] = startSagaChild(envOf(k, generation));
        children.push(lanes[k]);
      }
      const deadline = Date.now() + 600_000;
      while (!lanes.every((child) => child.rangeDone) && Date.now() < deadline) {
        const dead = lanes.find((child) => child.exited && !child.rangeDone);
        if (dead) throw new Error(`a saga worker exited on its own:\n${dead.log}`);
        await pause(200);
      }
      for (const child of children) if (!child.exited) child.process.kill('SIGKILL');
      const executor = await crashExecutor(dataSource, sagaTable, effectsTable, 'faults-final-recovery', LEASE_MS);
      const recovery = new SagaRecovery({ executor, options: { batchSize: 200 } });
      let settledAt: number | null = null;
      while (Date.now() < deadline) {
        await recovery.recoverOnce();
        const counts = await executor.log.countByState();
        if (!counts.running && !counts.compensating) {
          settledAt = Date.now();
          break;
        }
        await pause(200);
      }
      const sagas = await executor.log.list({ limit: total + 100 });
      const effects: { effect_key: string }[] = await dataSource.query(`SELECT effect_key FROM ${dataSource.driver.escape(effectsTable)}`);
      const byKey = new Map<string, number>();
      for (const { effect_key } of effects) byKey.set(effect_key, (byKey.get(effect_key) ?? 0) + 1);
      const twice = [...byKey.values()].filter((count) => count > 1).length;
      const failures: string[] = [];
      let handled = 0;
      let wrong = 0;
      const states: Record<string, number> = {};
      for (const saga of sagas) {
        states[saga.state] = (states[saga.state] ?? 0) + 1;
        const n = Number(saga.id.split('-').pop());
        const applied = (step: string) => byKey.has(`${saga.id}:${step}`);
        const undone = (step: string) => byKey.has(`${saga.id}:${step}:compensate`);
        if (saga.state === SagaState.Completed) {
          handled++;
          if (failAtOf(n) !== null || !STEP_NAMES.every((step) => applied(step) && !undone(step))) wrong++;
        } else if (saga.state === SagaState.Compensated) {
          handled++;
          if (!STEP_NAMES.every((step) => applied(step) === undone(step))) wrong++;
        }
      }
      const lost = total - handled;
      if (sagas.length !== total) failures.push(`${sagas.length} sagas in the log, expected ${total}`);
      if (lost) failures.push(`${lost} sagas did not end completed or compensated (${JSON.stringify(states)})`);
      if (twice) failures.push(`${twice} step effects applied twice`);
      if (wrong) failures.push(`${wrong} sagas whose effects do not match their end state`);
      if (!kills) failures.push('no worker was killed while busy');
      const recoveries = sagas.reduce((sum, saga) => sum + saga.recoveryAttempts, 0);
      const note = [`${kills} SIGKILLs of ${WORKERS} saga workers`, `${JSON.stringify(states)}`, `${recoveries} take-overs by recovery`, `${effects.length} effect rows, none twice`, ...failures].join('; ');
      return { events: total, delivered: null, duplicates: twice, handled, lost, recoveryMs: settledAt ? settledAt - lastKillAt : null, pass: failures.length === 0, note, failures };
    } finally {
      for (const child of children) if (!child.exited) child.process.kill('SIGKILL');
      for (const table of [sagaTable, effectsTable]) await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(table)}`).catch(() => undefined);
      await dataSource.destroy();
    }
  },
};
