import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitInfo } from '../support/processes.js';
import { Stack } from '../support/stack.js';
import { BOTH_BROKERS_ON_POSTGRES, judge, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 9. SIGTERM to the relay, then to the consumer, while events come in
 * through the API: each must stop gracefully (exit code 0, in time), the
 * relay must leave no row claimed, and after restarting them nothing is
 * lost. A graceful stop should cause no redelivery; any is reported.
 */
export const sigterm: Scenario = {
  name: '9 SIGTERM relay + consumer',
  slug: 'sigterm',
  runs: BOTH_BROKERS_ON_POSTGRES,
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database });
    try {
      const producing = stack.joinViaHttp(count, 'st', { concurrency: 8 });
      const extra: string[] = [];
      const notes: string[] = [];
      while ((await stack.handledCount()) < count * 0.2) await sleep(100);

      const relayStop = Date.now();
      const relayExit = await stack.relay.stop('SIGTERM');
      const relayStopMs = Date.now() - relayStop;
      const state = await stack.outboxState();
      notes.push(`relay exited ${relayExit?.code ?? relayExit?.signal} after ${relayStopMs} ms leaving ${state.leased} rows claimed`);
      if (!graceful(relayExit)) extra.push(`relay exit ${relayExit?.code} / ${relayExit?.signal}`);
      if (!readFileSync(stack.relay.logFile, 'utf8').includes(' stopped\n')) extra.push('the relay did not log its graceful stop');
      if (state.leased) extra.push(`${state.leased} rows left claimed by the stopped relay`);
      await stack.relay.start();

      while ((await stack.handledCount()) < count * 0.5) await sleep(100);
      const consumerStop = Date.now();
      const consumerExit = await stack.consumer.stop('SIGTERM');
      const consumerStopMs = Date.now() - consumerStop;
      notes.push(`consumer exited ${consumerExit?.code ?? consumerExit?.signal} after ${consumerStopMs} ms`);
      if (!graceful(consumerExit)) extra.push(`consumer exit ${consumerExit?.code} / ${consumerExit?.signal}`);
      log(notes.join('; '));
      await stack.consumer.start();

      const { ok, failed } = await producing;
      const ids = await stack.outboxEventIds();
      if (ok !== count || ids.length !== count) extra.push(`API accepted ${ok} of ${count} joins (${failed} failed), outbox has ${ids.length}`);
      const done = await stack.waitHandled(ids.length, recoveryDeadlineMs(count));
      const tally = await stack.tally(ids);
      const end = await stack.outboxState();
      if (end.leased || end.pending) extra.push(`at the end ${end.pending} rows pending, ${end.leased} claimed`);
      return judge(tally, done ? done - consumerStop : null, [...notes, 'events via HTTP'], extra);
    } finally {
      await stack.stop();
    }
  },
};

/** Exit code 0, or SIGTERM re-raised by Nest's shutdown hooks after `app.close()` finished (not a SIGKILL after the timeout). */
const graceful = (exit: ExitInfo | undefined) => exit?.code === 0 || exit?.signal === 'SIGTERM';
