import { DEFAULT_RETRY_POLICY } from 'nestjs-cqrs-broker';
import { readDeadLetters } from '../support/raw-broker.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 6. A poison event: its handler always throws. It is a well-formed
 * user_joined_meeting whose user id (150 characters) is longer than the
 * notifications table's user_id column (100), as a producer with a looser
 * contract could send it; the API itself refuses such ids, so it is written
 * straight into the outbox. Every insert fails, the consumer retries it
 * `maxAttempts` times (5) and dead-letters it; all other events are handled.
 */
export const poison: Scenario = {
  name: '6 poison event',
  slug: 'poison',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false });
    try {
      const events = Stack.events(count, 'po');
      const [poisonEvent] = Stack.events(1, 'po-poison').map((e) => ({ ...e, userId: `poison-${'x'.repeat(143)}` }));
      const half = Math.floor(count / 2);
      const started = Date.now();
      await stack.insert([...events.slice(0, half), poisonEvent, ...events.slice(half)], { chunk: 100 });
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const [letter] = await readDeadLetters(stack.services, 1);
      const extra: string[] = [];
      const reason = letter?.headers['x-dead-letter-reason'] ?? '';
      const attempts = Number(letter?.headers['x-delivery-attempts']);
      if (!letter) extra.push('the poison event is not in the dead letters');
      else {
        if (letter.headers['event-id'] !== poisonEvent.eventId) extra.push(`dead letter is event ${letter.headers['event-id']}, not the poison one`);
        if (!/Handler failed/.test(reason)) extra.push(`unexpected dead-letter reason "${reason}"`);
        if (attempts !== DEFAULT_RETRY_POLICY.maxAttempts) extra.push(`dead-lettered after ${attempts} attempts, expected ${DEFAULT_RETRY_POLICY.maxAttempts}`);
      }
      const poisonHandled = (await stack.query('SELECT 1 FROM notifications WHERE event_id = $1', [poisonEvent.eventId])).length;
      if (poisonHandled) extra.push('the poison event changed state');
      return judge(tally, done ? done - started : null, [`poison dead-lettered after ${attempts} attempts: "${reason.slice(0, 90)}"`], extra);
    } finally {
      await stack.stop();
    }
  },
};
