import { performance } from 'node:perf_hooks';
import { databases, dropTable, uniqueTable } from './databases.js';
import { booked, openOutbox, recordingBroker, type TestOutbox } from './harness.js';

const ROWS = 5_000;

describe.each(databases)('relays in parallel on $name', (db) => {
  const table = uniqueTable('conc');
  let writer: TestOutbox;

  beforeAll(async () => {
    writer = await openOutbox(db, table, { synchronize: true });
  });
  afterAll(async () => {
    await dropTable(writer.dataSource, table);
    await writer.close();
  });

  // claim 'lock' where the database has row locks (PostgreSQL, MariaDB).
  const runs: Array<[number, 'lease' | 'lock']> = [[2, 'lease'], [3, 'lease'], ...(db.name === 'sqlite' ? [] : ([[3, 'lock']] as Array<[number, 'lock']>))];
  it.each(runs)('%i relays (claim: %s) on 5,000 rows publish every row exactly once', async (relayCount, claim) => {
    await writer.dataSource.query(`DELETE FROM ${writer.dataSource.driver.escape(table)}`);
    const written = new Set<string>();
    for (let start = 0; start < ROWS; start += 1_000) {
      const events = Array.from({ length: 1_000 }, (_, i) => booked(start + i, `room-${i % 17}`));
      await writer.transaction.run(async (tx) => tx.add(...events));
      for (const e of events) written.add(e.eventId);
    }

    // Each relay has its own connection pool, as separate processes would.
    const { broker, received } = recordingBroker();
    const outboxes = await Promise.all(Array.from({ length: relayCount }, () => openOutbox(db, table)));
    try {
      // Plain sharing of the table; per-key ordering across relays is tested in outbox-ordering.spec.ts.
      const relays = outboxes.map((o) => o.relay(broker, { batchSize: 100, ordering: 'none', claim }));
      const started = performance.now();
      const perRelay = await Promise.all(relays.map((r) => r.drain()));
      const elapsed = performance.now() - started;
      await broker.drain();
      console.log(`[outbox] ${db.name}: ${relayCount} relays (claim ${claim}) published ${ROWS} rows in ${Math.round(elapsed)} ms (${perRelay.join(' + ')})`);

      const counts = new Map<string, number>();
      for (const m of received) counts.set(m.eventId, (counts.get(m.eventId) ?? 0) + 1);
      expect(received).toHaveLength(ROWS);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(counts.keys())).toEqual(written);
      expect(perRelay.reduce((a, b) => a + b, 0)).toBe(ROWS);
      expect(await writer.admin.stats()).toMatchObject({ pending: 0, published: ROWS, dead: 0 });
    } finally {
      await Promise.all(outboxes.map((o) => o.close()));
    }
  });
});
