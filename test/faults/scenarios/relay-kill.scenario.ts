import { setTimeout as sleep } from 'node:timers/promises';
import { Stack } from '../support/stack.js';
import { judge, randomBetween, recoveryDeadlineMs, type Scenario, type ScenarioRun } from './scenario.js';

/** The relay-kill scenario, with the relays' claim mode (OUTBOX_CLAIM) as given. */
function relayKillScenario(name: string, slug: string, runs: readonly ScenarioRun[], claim: 'lease' | 'lock'): Scenario {
  return {
    name,
    slug,
    runs,
    async run({ broker, database, events: count, log }) {
      const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false, relayEnv: { OUTBOX_CLAIM: claim } });
      try {
        const events = Stack.events(count, 'rk');
        // Spread over ~20 s so the kills land while events are flowing.
        const producing = stack.insert(events, { chunk: 100, perSecond: count / 20 });
        let lastFault = 0;
        for (let kill = 1; kill <= 5; kill++) {
          // The first after 1–3 s of flow; the others 0.1–1.5 s after a restart, while the relay drains the backlog that built up meanwhile.
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
        return judge(tally, done ? done - lastFault : null, [`claim ${claim}`, `outbox: ${state.published} published, ${state.pending} pending, ${state.dead} dead`]);
      } finally {
        await stack.stop();
      }
    },
  };
}

/**
 * 1. The relay is killed with SIGKILL at random moments, five times, while
 * events keep arriving, and restarted each time. Rows it had leased wait
 * for their lease (30 s) to run out, then any relay publishes them again.
 */
export const relayKill: Scenario = relayKillScenario(
  '1 relay SIGKILL ×5',
  'relaykill',
  [
    { broker: 'rabbitmq', database: 'postgres' },
    { broker: 'kafka', database: 'postgres' },
    { broker: 'rabbitmq', database: 'mariadb' },
  ],
  'lease',
);

/**
 * 1b. The same with `relay.claim: 'lock'`: the killed relay's connection
 * closes with it, the database rolls its batch back, and the restarted relay
 * publishes those rows at once (no lease to wait for), so recovery is the
 * restart time rather than the lease.
 */
export const relayKillLocked: Scenario = relayKillScenario(
  '1b relay SIGKILL ×5, claim lock',
  'relaykilllock',
  [
    { broker: 'rabbitmq', database: 'postgres' },
    { broker: 'kafka', database: 'postgres' },
    { broker: 'rabbitmq', database: 'mariadb' },
  ],
  'lock',
);
