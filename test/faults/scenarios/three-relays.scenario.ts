import { Stack } from '../support/stack.js';
import { judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 5. Three relays share one outbox, nothing crashes: no event may be
 * published twice, so the consumer must see no duplicate at all.
 */
export const threeRelays: Scenario = {
  name: '5 three relays, no crash',
  slug: 'threerelays',
  runs: [
    { broker: 'rabbitmq', database: 'postgres' },
    { broker: 'kafka', database: 'postgres' },
    { broker: 'rabbitmq', database: 'mariadb' },
  ],
  async run({ broker, database, events: count }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, relays: 3 });
    try {
      const events = Stack.events(count, 'tr');
      const started = Date.now();
      // As fast as the database takes them: the relays compete for every batch.
      await stack.insert(events, { chunk: 100 });
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const extra = tally.duplicates ? [`${tally.duplicates} events published more than once without any crash`] : [];
      const running = stack.relays.filter((r) => r.running).length;
      if (running !== 3) extra.push(`${3 - running} relays exited`);
      return judge(tally, done ? done - started : null, ['3 relays', 'recovery = time to handle all (no fault)'], extra);
    } finally {
      await stack.stop();
    }
  },
};
