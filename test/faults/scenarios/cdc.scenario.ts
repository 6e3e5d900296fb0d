import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../support/processes.js';
import { rabbitmqctl, kafkaScript } from '../support/services.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, randomBetween, recoveryDeadlineMs, type Scenario } from './scenario.js';

// The relay source 'logical-replication' (PostgreSQL's WAL through a replication slot) under the
// faults the table relay is tested with. Events go in as WAL messages (no outbox rows); only events
// the relay could not publish at once land in the table (pending with a backoff, or dead).

const source = 'logical-replication' as const;

/** The relay that streams the slot now, by the last of its log lines that says so (they share a slot, one streams). */
function streamingRelay(stack: Stack): AppProcess | undefined {
  for (const relay of stack.relays) {
    if (!relay.running) continue;
    const log = readFileSync(relay.logFile, 'utf8');
    if (log.lastIndexOf('this relay streams it') > log.lastIndexOf('stands by')) return relay;
  }
  return undefined;
}

async function waitForStreamer(stack: Stack, deadlineMs = 30_000): Promise<AppProcess | undefined> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const relay = streamingRelay(stack);
    if (relay || Date.now() > deadline) return relay;
    await sleep(100);
  }
}

/**
 * C1. The one relay is killed with SIGKILL five times while events flow, and
 * restarted. What it published but had not acknowledged is streamed again
 * from the slot's confirmed position (duplicates, absorbed by the inbox).
 */
export const cdcRelayKill: Scenario = {
  name: 'C1 CDC relay SIGKILL ×5',
  slug: 'cdcrelaykill',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, source });
    try {
      const events = Stack.events(count, 'ck');
      const producing = stack.insert(events, { chunk: 100, perSecond: count / 20 });
      let lastFault = 0;
      for (let kill = 1; kill <= 5; kill++) {
        await sleep(kill === 1 ? randomBetween(1000, 3000) : randomBetween(100, 1500));
        lastFault = Date.now();
        await stack.relay.kill();
        log(`relay SIGKILL #${kill}; ${await stack.handledCount()} handled so far`);
        await stack.relay.start();
      }
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const state = await stack.outboxState();
      return judge(tally, done ? done - lastFault : null, [`WAL messages; table: ${state.published} published, ${state.pending} pending, ${state.dead} dead`]);
    } finally {
      await stack.stop();
    }
  },
};

/**
 * C2. Two relays share the slot: one streams, the other stands by. The
 * streaming one is killed with SIGKILL three times (and restarted, to stand
 * by in turn); each time the other takes the slot over.
 */
export const cdcFailover: Scenario = {
  name: 'C2 CDC failover: streaming relay SIGKILL ×3 of 2',
  slug: 'cdcfailover',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, source, relays: 2 });
    try {
      const events = Stack.events(count, 'cf');
      const producing = stack.insert(events, { chunk: 100, perSecond: count / 20 });
      let lastFault = 0;
      const failures: string[] = [];
      for (let kill = 1; kill <= 3; kill++) {
        await sleep(randomBetween(1000, 3000));
        const streaming = await waitForStreamer(stack);
        if (!streaming) {
          failures.push(`no relay took the slot over before kill #${kill}`);
          break;
        }
        lastFault = Date.now();
        await streaming.kill();
        log(`SIGKILL #${kill} of the streaming ${streaming.name}; ${await stack.handledCount()} handled so far`);
        const next = await waitForStreamer(stack);
        if (next) log(`${next.name} streams after ${Date.now() - lastFault} ms`);
        else failures.push(`no standby took the slot over after kill #${kill}`);
        await streaming.start();
      }
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      return judge(tally, done ? done - lastFault : null, ['2 relays, one streams'], failures);
    } finally {
      await stack.stop();
    }
  },
};

/**
 * C3. The walsender streaming the slot is ended three times with
 * pg_terminate_backend, which is what the relay sees of a PostgreSQL restart
 * (its replication connection drops and the server forgets the unconfirmed
 * part). The shared PostgreSQL of this machine is not restarted: other suites
 * run on it. The relay must reconnect and resume from the confirmed position.
 */
export const cdcWalsenderCut: Scenario = {
  name: 'C3 CDC replication connection ended ×3 (PostgreSQL restart stand-in)',
  slug: 'cdcwalcut',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, source });
    try {
      const events = Stack.events(count, 'cw');
      const producing = stack.insert(events, { chunk: 100, perSecond: count / 20 });
      let lastFault = 0;
      for (let cut = 1; cut <= 3; cut++) {
        await sleep(randomBetween(1000, 3000));
        lastFault = Date.now();
        const ended = await stack.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(active_pid) AS ended FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
          [stack.slotName],
        );
        log(`walsender ended #${cut} (${ended.length} backend); ${await stack.handledCount()} handled so far`);
      }
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const exited = stack.relay.running ? [] : ['the relay exited'];
      return judge(tally, done ? done - lastFault : null, ['pg_terminate_backend of the walsender ×3'], exited);
    } finally {
      await stack.stop();
    }
  },
};

/**
 * C4. The broker is unavailable for about 10 s mid-stream (as in scenario 3).
 * Streamed batches that fail are stored in the table with their backoff and
 * the stream moves on (later events of their keys wait behind them); the
 * table loop publishes them once the broker is back.
 */
export const cdcBrokerOutage: Scenario = {
  name: 'C4 CDC broker down ~10 s',
  slug: 'cdcbrokerdown',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, source });
    try {
      const events = Stack.events(count, 'cb');
      const producing = stack.insert(events, { chunk: 100, perSecond: Math.max(count / 20, 100) });
      while ((await stack.handledCount()) < count * 0.2) await sleep(100);
      const fault = Date.now();
      if (broker === 'rabbitmq') {
        const vhost = stack.services.vhost!;
        const user = new URL(stack.services.brokerUrl).username;
        await rabbitmqctl('clear_permissions', '-p', vhost, user);
        await rabbitmqctl('close_all_connections', '--vhost', vhost, 'fault injection: broker unavailable');
        log(`RabbitMQ vhost unavailable at ${await stack.handledCount()} handled`);
        await sleep(10_000);
        await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
      } else {
        await kafkaScript('stop');
        log(`Kafka stopped at ${await stack.handledCount()} handled`);
        const stoppedFor = Date.now() - fault;
        if (stoppedFor < 5_000) await sleep(5_000 - stoppedFor);
        await kafkaScript('start', { KAFKA_KEEP_DATA: '1' });
      }
      const downMs = Date.now() - fault;
      log(`broker back after ${(downMs / 1000).toFixed(1)} s`);
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const state = await stack.outboxState();
      const extra = state.dead ? [`${state.dead} events went dead during the outage`] : [];
      return judge(tally, done ? done - fault : null, [`broker unavailable ${(downMs / 1000).toFixed(1)} s`, `stored in the table: ${state.published} published, ${state.dead} dead`], extra);
    } finally {
      await stack.stop();
    }
  },
};
