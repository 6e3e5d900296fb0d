import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DEFAULT_RETRY_POLICY } from 'nestjs-cqrs-broker';
import { BUILD_DIR } from '../support/paths.js';
import { countDeadLetters } from '../support/raw-broker.js';
import { Stack, TOPIC } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

const run = promisify(execFile);

/** Events dead-lettered on purpose (each holds its queue or partition for its retries, ~3 s, and the rows that wait behind it). */
const DEAD = 3;

/** `cqrs-broker dlq replay --all --json` of the suite's build, for the consumer's queue (RabbitMQ) or topic (Kafka). */
async function replayAll(stack: Stack): Promise<{ requeued: number; eventIds: string[]; left: number }> {
  const { services } = stack;
  const source = services.broker === 'rabbitmq' ? ['--queue', services.consumerGroup] : ['--topic', TOPIC];
  const { stdout } = await run(process.execPath, [join(BUILD_DIR, 'libs/cqrs-broker/src/cli/main.js'), 'dlq', 'replay', ...source, '--all', '--json'], {
    cwd: BUILD_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BROKER_URL: services.brokerUrl },
    timeout: 120_000,
  });
  return JSON.parse(stdout);
}

/**
 * 14. Dead-letter replay. Three events are dead-lettered on purpose the poison
 * way (scenario 6: a user id of 150 characters, longer than the consumer's
 * `user_id` column of 100) among the others; once all three are in the dead
 * letter, the cause is fixed — the column widened to 200, as a migration
 * would, while the consumer runs (restarting it would let the sample's
 * `synchronize` put the old column back) — and the dead letters are requeued
 * with the CLI, `cqrs-broker dlq replay --all`. Every replayed event must be
 * handled exactly once, every other event too, and a second replay must
 * requeue nothing.
 */
export const deadLetterReplay: Scenario = {
  name: '14 dead-letter replay',
  slug: 'dlqreplay',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false });
    try {
      const events = Stack.events(count, 'dr');
      const dead = Stack.events(DEAD, 'dr-dead').map((e) => ({ ...e, userId: `dead-${'x'.repeat(145)}` }));
      // Spread through the stream.
      const stream = [...events];
      dead.forEach((e, i) => stream.splice(Math.floor(((i + 1) * count) / (DEAD + 1)) + i, 0, e));
      await stack.insert(stream, { chunk: 100 });
      const normalDone = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const extra: string[] = [];
      let letters = await countDeadLetters(stack.services);
      const deadline = Date.now() + 120_000;
      while (letters < DEAD && Date.now() < deadline) {
        await sleep(500);
        letters = await countDeadLetters(stack.services);
      }
      const handledBefore = (await stack.consumerQuery<{ event_id: string }>('SELECT event_id FROM notifications WHERE event_id = ANY($1)', [dead.map((e) => e.eventId)])).length;
      log(`${normalDone ? 'all others handled' : 'others NOT all handled'}; ${letters} dead letters, ${handledBefore} of the ${DEAD} handled`);
      if (letters !== DEAD) extra.push(`${letters} dead letters before the replay, expected ${DEAD}`);
      if (handledBefore) extra.push(`${handledBefore} of the events meant to fail were handled before the fix`);
      // The fix: a migration widening the column.
      await stack.consumerQuery('ALTER TABLE notifications ALTER COLUMN user_id TYPE varchar(200)');
      const replayAt = Date.now();
      const first = await replayAll(stack);
      log(`replay: ${JSON.stringify(first)}`);
      const wanted = new Set(dead.map((e) => e.eventId));
      if (first.requeued !== DEAD || first.eventIds.length !== DEAD || !first.eventIds.every((id) => wanted.has(id))) {
        extra.push(`the replay requeued ${first.requeued} (${first.eventIds.join(', ')}), expected the ${DEAD} dead-lettered events`);
      }
      const done = await stack.waitHandled(count + DEAD, recoveryDeadlineMs(DEAD));
      const tally = await stack.tally([...events, ...dead].map((e) => e.eventId));
      const second = await replayAll(stack);
      if (second.requeued !== 0) extra.push(`a second replay requeued ${second.requeued} again`);
      // RabbitMQ removes what it requeued; Kafka keeps the topic and records the replay (TOPIC.DLT.replayed).
      const lettersAfter = await countDeadLetters(stack.services);
      if (broker === 'rabbitmq' && lettersAfter !== 0) extra.push(`${lettersAfter} dead letters left after the replay`);
      if (broker === 'kafka' && lettersAfter !== DEAD) extra.push(`${lettersAfter} dead letters in ${TOPIC}.DLT after the replay, expected the ${DEAD} replayed ones and no new one`);
      const deadTally = await stack.tally(dead.map((e) => e.eventId));
      return judge(
        tally,
        done ? done - replayAt : null,
        [
          `${letters} events dead-lettered after ${DEFAULT_RETRY_POLICY.maxAttempts} attempts, column widened, \`cqrs-broker dlq replay --all\` requeued ${first.requeued}, replayed handled ${deadTally.handled} (${deadTally.delivered} deliveries), a second replay requeued ${second.requeued}`,
          `recovery = from the replay`,
        ],
        extra,
      );
    } finally {
      await stack.stop();
    }
  },
};
