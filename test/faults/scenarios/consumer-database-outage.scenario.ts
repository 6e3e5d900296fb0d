import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { countDeadLetters } from '../support/raw-broker.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario, type ScenarioRun } from './scenario.js';

/** The line the pipeline logs when a message hits its first transient failure (it then waits, spending no attempt). */
const PAUSED = /hit a transient failure/;

/**
 * 12. The consumer's own database refuses connections for `seconds` while
 * events flow. The consumer gets a PostgreSQL database of its own (the API and
 * the relay keep theirs, so only the consumer is hit); `ALTER DATABASE …
 * ALLOW_CONNECTIONS false` plus `pg_terminate_backend` of its sessions, then
 * `ALLOW_CONNECTIONS true`. The shared server itself is never stopped. The
 * consumer must wait the outage out (a transient failure spends no attempt):
 * nothing dead-lettered (the dead-letter queue/topic is read raw), nothing
 * lost, nothing handled twice, the consumer process never restarted.
 */
function consumerDatabaseOutage(seconds: number, runs: readonly ScenarioRun[], note = ''): Scenario {
  return {
    name: `12 consumer DB down ${seconds} s`,
    slug: `consumerdb${seconds}`,
    runs,
    async run({ broker, database, events: count, log }) {
      const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, ownConsumerDatabase: true });
      try {
        const events = Stack.events(count, `cdb${seconds}`);
        // About 10 s of events at 1,000 (100/s at least): the outage begins while they still arrive.
        const producing = stack.insert(events, { chunk: 100, perSecond: Math.max(count / 20, 100) });
        while ((await stack.handledCount()) < count * 0.2) await sleep(100);
        const handledBefore = await stack.handledCount();
        const fault = Date.now();
        log(`consumer database refusing connections for ${seconds} s from ${handledBefore} handled`);
        const { terminated, refusedMs } = await stack.consumerDatabaseOutage(seconds * 1000);
        log(`consumer database back after ${(refusedMs / 1000).toFixed(1)} s (${terminated} sessions ended)`);
        await producing;
        const done = await stack.waitHandled(count, recoveryDeadlineMs(count) + seconds * 1000);
        const tally = await stack.tally(events.map((e) => e.eventId));
        const deadLettered = await countDeadLetters(stack.services);
        const consumerLog = readFileSync(stack.consumer.logFile, 'utf8');
        const paused = PAUSED.test(consumerLog);
        const extra: string[] = [];
        if (deadLettered) extra.push(`${deadLettered} messages dead-lettered`);
        if (!terminated) extra.push('no consumer session was ended: the outage did not reach the consumer');
        if (!paused) extra.push('the consumer never logged a transient failure: the outage did not reach its handling');
        if (stack.consumer.starts !== 1 || !stack.consumer.running) extra.push(`the consumer process exited (${stack.consumer.starts} starts)`);
        const notes = [
          `consumer's own database refused connections ${(refusedMs / 1000).toFixed(1)} s from ${handledBefore} handled, ${terminated} sessions ended`,
          `${paused ? 'consumer paused on a transient failure' : 'consumer never paused'}`,
          `${deadLettered} dead-lettered`,
          ...(note ? [note] : []),
        ];
        return judge(tally, done ? done - fault : null, notes, extra);
      } finally {
        await stack.stop();
      }
    },
  };
}

export const consumerDatabaseOutage10s = consumerDatabaseOutage(10, BOTH_BROKERS_ON_POSTGRES);

/**
 * 60 s on Kafka only, to keep CI short (each 60 s run takes about two minutes): the wait is the
 * pipeline's, the same on both brokers, and Kafka is where a long wait could cost the partition (the
 * consumer must keep heartbeating for a minute). RabbitMQ passed it too when tried (docs/faults.md).
 */
export const consumerDatabaseOutage60s = consumerDatabaseOutage(60, [{ broker: 'kafka', database: 'postgres' }], 'Kafka only in the suite (CI time)');
