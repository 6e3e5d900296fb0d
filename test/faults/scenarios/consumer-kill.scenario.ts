import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, randomBetween, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 2. The consumer is killed with SIGKILL mid-stream and restarted. Events
 * come in through the API (HTTP). What it had received but not acknowledged
 * is delivered again; the inbox skips what it had already committed.
 */
export const consumerKill: Scenario = {
  name: '2 consumer SIGKILL',
  slug: 'consumerkill',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database });
    try {
      const producing = stack.joinViaHttp(count, 'ck', { concurrency: 8 });
      const killAt = Math.floor(count * randomBetween(0.25, 0.5));
      while ((await stack.handledCount()) < killAt) await new Promise((r) => setTimeout(r, 100));
      const fault = Date.now();
      await stack.consumer.kill();
      log(`consumer SIGKILL at ${await stack.handledCount()} handled`);
      await stack.consumer.start();
      const { ok, failed } = await producing;
      const ids = await stack.outboxEventIds();
      const done = await stack.waitHandled(ids.length, recoveryDeadlineMs(count));
      const tally = await stack.tally(ids);
      const extra = ok === count && ids.length === count ? [] : [`API accepted ${ok} of ${count} joins (${failed} failed), outbox has ${ids.length}`];
      return judge(tally, done ? done - fault : null, [`events via HTTP (${ok} × 201)`], extra);
    } finally {
      await stack.stop();
    }
  },
};
