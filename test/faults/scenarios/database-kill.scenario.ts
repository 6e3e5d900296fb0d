import { setTimeout as sleep } from 'node:timers/promises';
import { MARIADB_RELAY_USER, PG_RELAY_APP } from '../support/services.js';
import { Stack } from '../support/stack.js';
import { judge, randomBetween, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 4. The relay's database connections are killed mid-batch, five times at
 * random moments: PostgreSQL `pg_terminate_backend` on the relay's backends
 * (found by application_name), MariaDB `KILL` on the relay user's
 * connections. A claim or a mark that dies rolls back; rows published but
 * not marked are published again when their lease runs out.
 */
export const databaseKill: Scenario = {
  name: '4 relay DB connections killed ×5',
  slug: 'dbkill',
  runs: [
    { broker: 'rabbitmq', database: 'postgres' },
    { broker: 'kafka', database: 'postgres' },
    { broker: 'rabbitmq', database: 'mariadb' },
  ],
  async run({ broker, database, events: count, log }) {
    const stack = await Stack.start({ slug: this.slug, broker: broker as 'rabbitmq' | 'kafka', database, api: false });
    try {
      const events = Stack.events(count, 'dk');
      const producing = stack.insert(events, { chunk: 100, perSecond: Math.max(count / 15, 100) });
      let lastFault = 0;
      let killed = 0;
      for (let round = 1; round <= 5; round++) {
        await sleep(randomBetween(1000, 3000));
        lastFault = Date.now();
        const n =
          database === 'postgres'
            ? (
                await stack.query<{ pid: number }>(
                  'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND pid <> pg_backend_pid()',
                  [PG_RELAY_APP, stack.services.databaseName],
                )
              ).length
            : await killMariaDb(stack);
        killed += n;
        log(`killed ${n} relay connections (round ${round}); ${await stack.handledCount()} handled so far`);
      }
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const state = await stack.outboxState();
      const extra = killed === 0 ? ['found no relay connection to kill'] : [];
      if (!stack.relay.running) extra.push('the relay process exited');
      return judge(tally, done ? done - lastFault : null, [`${killed} connections killed`, `outbox: ${state.published} published, ${state.dead} dead`], extra);
    } finally {
      await stack.stop();
    }
  },
};

async function killMariaDb(stack: Stack): Promise<number> {
  const rows = await stack.query<{ ID: number; id?: number }>(
    'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ?',
    [MARIADB_RELAY_USER, stack.services.databaseName],
  );
  let killed = 0;
  for (const row of rows) {
    await stack.query(`KILL ${Number(row.ID ?? row.id)}`).then(
      () => killed++,
      () => undefined,
    );
  }
  return killed;
}
