import { DEFAULT_RETRY_POLICY } from 'nestjs-cqrs-broker';
import type { ExitInfo } from '../support/processes.js';
import { readDeadLetters } from '../support/raw-broker.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 13. A crash-looping message: the consumer process dies (SIGKILL) while
 * handling one particular event, every time it is delivered. The sample's
 * test-only `CRASH_ON_EVENT_ID` makes its handler kill its own process
 * inside the event's inbox transaction; the suite restarts the consumer
 * each time it dies, as a supervisor would. The sample counts attempts in
 * its database (`InboxAttemptStore`), so the count survives the crashes: the
 * delivery after `retry.maxAttempts` (5) crashes is dead-lettered without
 * running. Every other event is handled once.
 */
export const crashLoop: Scenario = {
  name: '13 crash-looping message',
  slug: 'crashloop',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const [crashEvent] = Stack.events(1, 'cl-crash');
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, consumerEnv: { CRASH_ON_EVENT_ID: crashEvent.eventId } });
    const deaths: ExitInfo[] = [];
    let stopping = false;
    let stopSupervisor!: () => void;
    const stopped = new Promise<'stop'>((resolve) => (stopSupervisor = () => resolve('stop')));
    // The supervisor: restarts the consumer whenever it dies, also when it dies during its start.
    const supervise = async (): Promise<void> => {
      for (;;) {
        const exit = stack.consumer.exited();
        if (exit && (await Promise.race([exit, stopped])) === 'stop') return;
        if (stopping) return;
        deaths.push(stack.consumer.lastExit!);
        log(`consumer died (#${deaths.length}, signal ${stack.consumer.lastExit?.signal}); ${await stack.handledCount().catch(() => '?')} handled; restarting`);
        await stack.consumer.start().catch((error: Error) => {
          if (!stopping && stack.consumer.running) throw error;
        });
      }
    };
    const supervisor = supervise();
    try {
      const events = Stack.events(count, 'cl');
      const half = Math.floor(count / 2);
      await stack.insert([...events.slice(0, half), crashEvent, ...events.slice(half)], { chunk: 100 });
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count) + DEFAULT_RETRY_POLICY.maxAttempts * 60_000);
      const [letter] = await readDeadLetters(stack.services, 1, 120_000);
      const tally = await stack.tally(events.map((e) => e.eventId));
      stopping = true;
      stopSupervisor();
      const extra: string[] = [];
      const reason = letter?.headers['x-dead-letter-reason'] ?? '';
      const attempts = Number(letter?.headers['x-delivery-attempts']);
      const max = DEFAULT_RETRY_POLICY.maxAttempts;
      if (!letter) extra.push('the crashing event is not in the dead letters');
      else {
        if (letter.headers['event-id'] !== crashEvent.eventId) extra.push(`dead letter is event ${letter.headers['event-id']}, not the crashing one`);
        if (!/earlier deliveries without finishing/.test(reason)) extra.push(`unexpected dead-letter reason "${reason}"`);
        if (attempts !== max) extra.push(`dead-lettered after ${attempts} attempts, expected ${max}`);
      }
      if (deaths.length !== max) extra.push(`the consumer died ${deaths.length} times, expected ${max} (one per attempt)`);
      const notKilled = deaths.filter((d) => d.signal !== 'SIGKILL');
      if (notKilled.length) extra.push(`${notKilled.length} deaths were not the hook's SIGKILL (code ${notKilled[0].code}, signal ${notKilled[0].signal})`);
      if ((await stack.consumerQuery('SELECT 1 FROM notifications WHERE event_id = $1', [crashEvent.eventId])).length) extra.push('the crashing event changed state');
      // Recovery: from the first crash until every other event was handled and the crashing one dead-lettered.
      const firstDeath = deaths[0]?.at;
      const deadLetteredAt = Date.parse(letter?.headers['x-dead-lettered-at'] ?? '');
      return judge(
        tally,
        firstDeath && done && Number.isFinite(deadLetteredAt) ? Math.max(done, deadLetteredAt) - firstDeath : null,
        [`consumer died ${deaths.length}× (SIGKILL in the handler) and was restarted each time`, `crashing event dead-lettered after ${attempts} attempts: "${reason.slice(0, 90)}"`],
        extra,
      );
    } finally {
      stopping = true;
      stopSupervisor();
      await stack.stop();
      await supervisor.catch((error: Error) => log(`supervisor: ${error.message}`));
    }
  },
};
