import { NotificationEvent } from 'nestjs-cqrs-broker';
import { createOutboxDialect, createOutboxEntity, OutboxCommitSubscriber, OutboxRepository, OutboxTransaction, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import type { DataSource, Logger } from 'typeorm';
import { connect, databaseNamed, databases, dropTable, uniqueTable } from './databases.js';
import { bookingEntity, serializer } from './harness.js';
import { dropSlot } from './logical-replication.js';

/** Every statement the data source sends, in order. */
class RecordingLogger implements Logger {
  readonly queries: string[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Text that would end a naive SQL literal: quotes, backslashes, a newline, non-ASCII. */
const nasty = `it's a \\'test\\' \\\\ "quoted" \n ünïcödé 🚀 $1 ?`;

describe.each(databases)('OutboxTransaction on $name: the events and the COMMIT', (db) => {
  const table = uniqueTable('commit');
  const bookings = `${table}_bookings`;
  const logger = new RecordingLogger();
  let dataSource: DataSource;
  let wakeup: OutboxWakeup;
  let transaction: OutboxTransaction;
  const q = (name: string) => dataSource.driver.escape(name);

  beforeAll(async () => {
    dataSource = await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: table }), bookingEntity(bookings)], { synchronize: true, logger, logging: true });
    wakeup = new OutboxWakeup();
    const commits = new OutboxCommitSubscriber(dataSource, wakeup);
    commits.attach();
    transaction = new OutboxTransaction(dataSource, new OutboxRepository(createOutboxDialect(dataSource, table), serializer, 'none', commits, true));
  });
  afterAll(async () => {
    await dropTable(dataSource, table);
    await dropTable(dataSource, bookings);
    await dataSource.destroy();
  });

  const event = (n: number) => new NotificationEvent({ eventName: 'room_booked', topic: 'rooms', key: `room-${nasty}`, payload: { n, note: nasty } });

  it(db.name === 'postgres' ? 'sends the INSERT (with its NOTIFY) and the COMMIT in one round trip, values intact' : 'inserts the events, then commits (this driver takes one statement per round trip)', async () => {
    logger.queries.length = 0;
    const events = [event(1), event(2)];
    await transaction.run(async (tx) => {
      await tx.manager.query(`INSERT INTO ${q(bookings)} (id, room) VALUES (1, 'a')`);
      tx.add(...events);
    });
    const afterBusiness = logger.queries.slice(logger.queries.findIndex((s) => s.includes(bookings)) + 1);
    if (db.name === 'postgres') {
      expect(afterBusiness).toHaveLength(1);
      expect(afterBusiness[0]).toMatch(/^WITH inserted AS \(INSERT INTO .* SELECT pg_notify\(.*\); COMMIT$/s);
    } else {
      expect(afterBusiness.map((s) => s.split(' ')[0])).toEqual(['INSERT', 'COMMIT']);
    }
    const rows: Array<{ event_id: string; event_key: string; payload: Buffer; headers: string }> = await dataSource.query(`SELECT event_id, event_key, payload, headers FROM ${q(table)} ORDER BY id`);
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
    expect(rows[0].event_key).toBe(`room-${nasty}`);
    expect(JSON.parse(Buffer.from(rows[0].payload).toString()).payload).toEqual({ n: 1, note: nasty });
    expect(JSON.parse(rows[0].headers)['event-id']).toBe(events[0].eventId);
  });

  it('wakes the relay of this process once the transaction committed', async () => {
    await wakeup.wait(0);
    await transaction.run(async (tx) => tx.add(event(3)));
    expect(await wakeup.wait(0)).toBe(true);
  });

  it('an event that cannot be stored rolls the business change back with it', async () => {
    const duplicate = event(4);
    await transaction.run(async (tx) => tx.add(duplicate));
    await expect(
      transaction.run(async (tx) => {
        await tx.manager.query(`INSERT INTO ${q(bookings)} (id, room) VALUES (2, 'b')`);
        tx.add(new NotificationEvent({ eventName: 'room_booked', topic: 'rooms', eventId: duplicate.eventId, payload: {} }));
      }),
    ).rejects.toThrow();
    expect(await dataSource.query(`SELECT id FROM ${q(bookings)} WHERE id = 2`)).toEqual([]);
    // The connection went back to the pool usable.
    await transaction.run(async (tx) => tx.add(event(5)));
  });
});

describe('OutboxTransaction with relay source logical-replication', () => {
  it('sends the WAL message and the COMMIT in one round trip', async () => {
    const db = databaseNamed('postgres');
    const table = uniqueTable('commit_wal');
    const slot = `test_${table}`;
    const logger = new RecordingLogger();
    const dataSource = await connect(db, [createOutboxEntity({ databaseType: 'postgres', tableName: table })], { synchronize: true, logger, logging: true });
    try {
      const dialect = createOutboxDialect(dataSource, table);
      await dialect.prepareChangeCapture(slot);
      const commits = new OutboxCommitSubscriber(dataSource, new OutboxWakeup());
      const transaction = new OutboxTransaction(dataSource, new OutboxRepository(dialect, serializer, 'none', commits, true, 'logical-replication'));
      logger.queries.length = 0;
      await transaction.run(async (tx) => tx.add(new NotificationEvent({ eventName: 'room_booked', topic: 'rooms', payload: { note: nasty } })));
      expect(logger.queries.filter((s) => !/^(START TRANSACTION|BEGIN)/.test(s))).toEqual([expect.stringMatching(/^SELECT pg_logical_emit_message\(true, E'cqrs_outbox:.*', decode\('[0-9a-f]+', 'hex'\)\); COMMIT$/)]);
      const [{ n }] = await dataSource.query(`SELECT COUNT(*)::int AS n FROM pg_logical_slot_peek_binary_changes($1::name, NULL, NULL, 'proto_version', '1', 'publication_names', $2::text, 'messages', 'true')`, [slot, slot]);
      expect(n).toBeGreaterThanOrEqual(3);
    } finally {
      await dropSlot(dataSource, slot);
      await dropTable(dataSource, table);
      await dataSource.destroy();
    }
  });
});
