import { setTimeout as sleep } from 'node:timers/promises';
import { MARIADB_RELAY_USER, PG_RELAY_APP } from '../support/services.js';
import { Stack } from '../support/stack.js';
import { judge, randomBetween, recoveryDeadlineMs, type Scenario } from './scenario.js';

/**
 * 4. The relay's database connections are killed mid-batch, five times (each
 * time as soon as one of them is running a statement, within 2 s of a random moment): PostgreSQL `pg_terminate_backend` on the relay's backends
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
      // Spread over ~20 s, so that the five rounds land while events flow.
      const producing = stack.insert(events, { chunk: 100, perSecond: count / 20 });
      let lastFault = 0;
      let killed = 0;
      let midStatement = 0;
      for (let round = 1; round <= 5; round++) {
        await sleep(randomBetween(1000, 3000));
        // Mid-batch: wait (up to 2 s) until a relay connection is running a statement, then kill them all.
        const until = Date.now() + 2000;
        let active = 0;
        while (Date.now() < until && !(active = await activeRelayStatements(stack))) await sleep(5);
        if (active) midStatement++;
        lastFault = Date.now();
        const n = database === 'postgres' ? await killPostgres(stack) : await killMariaDb(stack);
        killed += n;
        log(`killed ${n} relay connections (round ${round}, ${active ? 'mid-statement' : 'idle'}); ${await stack.handledCount()} handled so far`);
      }
      await producing;
      const done = await stack.waitHandled(count, recoveryDeadlineMs(count));
      const tally = await stack.tally(events.map((e) => e.eventId));
      const state = await stack.outboxState();
      const extra = killed === 0 ? ['found no relay connection to kill'] : [];
      if (!stack.relay.running) extra.push('the relay process exited');
      return judge(tally, done ? done - lastFault : null, [`${killed} connections killed, ${midStatement} of 5 rounds mid-statement`, `outbox: ${state.published} published, ${state.dead} dead`], extra);
    } finally {
      await stack.stop();
    }
  },
};

async function killPostgres(stack: Stack): Promise<number> {
  const rows = await stack.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND pid <> pg_backend_pid()',
    [PG_RELAY_APP, stack.services.databaseName],
  );
  return rows.length;
}

/** Relay connections running a statement right now. */
async function activeRelayStatements(stack: Stack): Promise<number> {
  const [row] =
    stack.services.database === 'postgres'
      ? await stack.query<{ n: string | number }>(
          "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND state = 'active' AND query NOT ILIKE 'LISTEN%'",
          [PG_RELAY_APP, stack.services.databaseName],
        )
      : await stack.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ? AND COMMAND = 'Query'", [
          MARIADB_RELAY_USER,
          stack.services.databaseName,
        ]);
  return Number(row.n);
}

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
