// OutboxAdmin.backlog(): what gauges and health checks poll. It must agree with stats() on pending, dead and the
// oldest pending age, and on PostgreSQL read only the pending and dead rows' partial indexes, never the published rows.
import { InMemoryMessageBroker, type MessageBroker } from 'nestjs-cqrs-broker';
import { databases, dropTable, uniqueTable } from './databases.js';
import { booked, openOutbox, type TestOutbox } from './harness.js';

class DownBroker implements MessageBroker {
  async publish(): Promise<void> {
    throw new Error('broker unreachable');
  }
}

describe.each(databases)('OutboxAdmin.backlog on $name', (db) => {
  let outbox: TestOutbox;
  const table = uniqueTable('outbox_backlog');
  const q = () => outbox.dataSource.driver.escape(table);

  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true });
  });

  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await outbox.close();
  });

  const add = async (n: number, from: number) => {
    for (let i = 0; i < n; i++) await outbox.transaction.run(async ({ add }) => add(booked(from + i)));
  };

  it('is empty on an empty table', async () => {
    expect(await outbox.admin.backlog()).toEqual({ pending: 0, dead: 0, oldestPendingAgeMs: 0 });
  });

  it('counts pending and dead rows and the oldest pending age as stats() does, leaving published rows out', async () => {
    await add(5, 0);
    await outbox.relay(new InMemoryMessageBroker(), { batchSize: 100 }).drain();
    await add(2, 100);
    await outbox.relay(new DownBroker(), { batchSize: 100, retry: { maxAttempts: 1 } }).drain();
    await add(3, 200);
    await outbox.dataSource.query(`UPDATE ${q()} SET created_at = '2000-01-01 00:00:00' WHERE status = 'pending'`);

    const backlog = await outbox.admin.backlog();
    const stats = await outbox.admin.stats();
    expect(stats).toMatchObject({ pending: 3, dead: 2, published: 5 });
    expect(backlog).toEqual({ pending: stats.pending, dead: stats.dead, oldestPendingAgeMs: expect.any(Number) });
    expect(backlog.oldestPendingAgeMs).toBeGreaterThan(365 * 24 * 3_600_000);
    expect(Math.abs(backlog.oldestPendingAgeMs - stats.oldestPendingAgeMs)).toBeLessThan(60_000);
  });

  it.runIf(db.type === 'postgres')('reads no published row on PostgreSQL: with 50,000 published rows its plan uses only the pending and dead partial indexes', async () => {
    await outbox.dataSource.query(
      `INSERT INTO ${q()} (event_id, event_name, topic, event_key, payload, content_type, codec, headers, status, attempts, next_attempt_at, created_at, published_at)
       SELECT gen_random_uuid()::text, 'room_booked', 'rooms', NULL, convert_to('{}', 'UTF8'), 'application/json', 'none', '{}', 'published', 1, now(), now(), now()
       FROM generate_series(1, 50000)`,
    );
    await outbox.dataSource.query(`ANALYZE ${q()}`);
    const internals = outbox.admin as unknown as { dialect: { run(sql: string, values: unknown[]): Promise<unknown> } };
    const statements: string[] = [];
    const run = internals.dialect.run.bind(internals.dialect);
    internals.dialect.run = async (sql, values) => {
      statements.push(sql);
      return run(sql, values);
    };
    try {
      expect(await outbox.admin.backlog()).toMatchObject({ pending: 3, dead: 2 });
    } finally {
      internals.dialect.run = run;
    }
    expect(statements).toHaveLength(1);
    const plan: Array<{ 'QUERY PLAN': string }> = await outbox.dataSource.query(`EXPLAIN ${statements[0]}`);
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan|Bitmap Heap Scan on \S+ .*\n.*status = 'published'/);
    expect(text.match(/Index (Only )?Scan/g)?.length).toBeGreaterThanOrEqual(3);
  });
});
