import { backoffDelay, ConfigurationException, InMemoryMessageBroker, type BrokerMessage, type MessageBroker } from 'nestjs-cqrs-broker';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import type { LockingOutboxDialect } from '../../libs/cqrs-broker/src/outbox/locking-outbox.dialect.js';
import { connect, databases, dropTable, uniqueTable } from './databases.js';
import { addBooked, booked, eventually, idsOf, openOutbox, recordingBroker, useOutboxTable, type TestOutbox } from './harness.js';

/** A broker that rejects every publish. */
class DownBroker implements MessageBroker {
  calls = 0;
  async publish(): Promise<void> {
    this.calls++;
    throw new Error('broker unreachable');
  }
}

/** A broker whose publish waits until `open()` (forever if never opened). */
class GatedBroker implements MessageBroker {
  readonly received: BrokerMessage[] = [];
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  publishing = false;
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.publishing = true;
    await this.gate;
    this.received.push(...messages);
  }
  open(): void {
    this.opened();
  }
}

describe.each(databases)('outbox relay on $name', (db) => {
  let outbox: TestOutbox;
  const table = useOutboxTable(db, 'relay', (opened) => (outbox = opened));
  const q = () => outbox.dataSource.driver.escape(table);

  const addEvents = (count: number, key?: string) => addBooked(outbox, count, key);

  it('a single relay publishes every row once, in id order, and marks it published', async () => {
    const first = await addEvents(7, 'room-1');
    const second = await addEvents(8, 'room-1');
    const { broker, received } = recordingBroker();
    const relay = outbox.relay(broker, { batchSize: 4 });
    expect(await relay.drain()).toBe(15);
    await broker.drain();
    expect(idsOf(received)).toEqual([...first, ...second]);
    expect((await outbox.rows()).every((r) => r.status === 'published' && r.locked_by === null)).toBe(true);
    expect(await relay.drain()).toBe(0);
  });

  // PostgreSQL only (registered only there, not skipped elsewhere).
  if (db.name === 'postgres')
    it('its own updates commit without waiting for the WAL flush, and the connection keeps synchronous_commit on for the app', async () => {
    const ids = await addEvents(3);
    // One connection: the app's next transaction would get exactly the one the relay used.
    const single = await connect(db, [], { poolSize: 1 } as object);
    try {
      const dialect = createOutboxDialect(single, table);
      const rows = await dialect.claim('relay-a', 10, 30_000, 'per-key');
      expect(rows.map((r) => r.eventId)).toEqual(ids);
      expect(await dialect.markPublished(rows.map((r) => r.id), 'relay-a')).toBe(3);
      expect(await single.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
      // What the dialect relies on: set_config(…, true) in the statement holds for that statement's own commit.
      const [{ setting }] = await single.query(
        `UPDATE ${q()} SET locked_by = NULL FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relay_commit WHERE id = $1 RETURNING current_setting('synchronous_commit') AS setting`,
        [rows[0].id],
      ).then((result: [Array<{ setting: string }>, number]) => result[0]);
      expect(setting).toBe('off');
      expect(await single.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
    } finally {
      await single.destroy();
    }
    expect((await outbox.rows()).map((r) => r.status)).toEqual(['published', 'published', 'published']);
  });

  it('one broker.publish call carries a whole batch', async () => {
    await addEvents(10);
    const batches: number[] = [];
    const relay = outbox.relay({ publish: async (m) => void batches.push(m.length) }, { batchSize: 4 });
    await relay.drain();
    expect(batches).toEqual([4, 4, 2]);
  });

  it('a failed publish counts the attempt, keeps the error and waits out the backoff before retrying', async () => {
    const [eventId] = await addEvents(1);
    const down = new DownBroker();
    const relay = outbox.relay(down, { retry: { initialDelayMs: 60_000, maxAttempts: 5 } });
    expect(await relay.publishBatch()).toMatchObject({ claimed: 1, failed: 1 });
    const [row] = await outbox.rows();
    expect(row).toMatchObject({ event_id: eventId, status: 'pending', attempts: 1, locked_by: null, last_error: 'broker unreachable' });
    // Not due yet: the backoff keeps it from every relay.
    const { broker, received } = recordingBroker();
    expect((await outbox.relay(broker).publishBatch()).claimed).toBe(0);
    expect(received).toEqual([]);
    expect(down.calls).toBe(1);
  });

  it('the backoff grows exponentially with jitter and stays under its cap', () => {
    const relay = outbox.relay(new InMemoryMessageBroker(), { retry: { initialDelayMs: 1_000, maxDelayMs: 10_000 } });
    const backoffMs = (failedAttempt: number) => backoffDelay(relay.options.retry, failedAttempt);
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(1)).toBeGreaterThanOrEqual(500);
      expect(backoffMs(1)).toBeLessThanOrEqual(1_000);
      expect(backoffMs(3)).toBeGreaterThanOrEqual(2_000);
      expect(backoffMs(3)).toBeLessThanOrEqual(4_000);
      expect(backoffMs(30)).toBeLessThanOrEqual(10_000);
    }
  });

  it('after maxAttempts failures a row is dead with its last error; replay brings it back and it is published', async () => {
    const [eventId, otherId] = await addEvents(2);
    const relay = outbox.relay(new DownBroker(), { retry: { initialDelayMs: 0, maxAttempts: 3 } });
    for (let i = 0; i < 3; i++) expect((await relay.publishBatch()).failed).toBe(2);
    expect(await relay.publishBatch()).toMatchObject({ claimed: 0 });
    expect((await outbox.rows()).map((r) => [r.status, r.attempts, r.last_error])).toEqual([
      ['dead', 3, 'broker unreachable'],
      ['dead', 3, 'broker unreachable'],
    ]);
    expect(await outbox.admin.stats()).toMatchObject({ pending: 0, dead: 2, published: 0, oldestPendingAgeMs: 0 });
    const dead = await outbox.admin.listDead(10);
    expect(dead.map((d) => [d.eventId, d.attempts, d.lastError, d.eventName])).toEqual([
      [eventId, 3, 'broker unreachable', 'room_booked'],
      [otherId, 3, 'broker unreachable', 'room_booked'],
    ]);
    expect(dead[0].createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(dead[0].createdAt.getTime())).toBe(false);
    expect(await outbox.admin.listDead(10, dead[0].id)).toHaveLength(1);

    const { broker, received } = recordingBroker();
    expect(await outbox.admin.replay(eventId)).toBe(true);
    expect(await outbox.admin.replay('no-such-event')).toBe(false);
    expect(await outbox.relay(broker).drain()).toBe(1);
    expect(await outbox.admin.replayAllDead()).toBe(1);
    expect(await outbox.relay(broker).drain()).toBe(1);
    await broker.drain();
    expect(idsOf(received)).toEqual([eventId, otherId]);
    expect(await outbox.admin.stats()).toMatchObject({ pending: 0, dead: 0, published: 2 });
  });

  it('a relay that dies mid-batch leaves no event unpublished: its rows are claimed again once the lease runs out', async () => {
    const ids = await addEvents(5);
    const hung = new GatedBroker();
    const dying = outbox.relay(hung, { leaseMs: 400 });
    void dying.publishBatch(); // abandoned: never completes, never shuts down
    await eventually(() => hung.publishing, 'the dying relay is publishing');

    const { broker, received } = recordingBroker();
    const survivor = outbox.relay(broker, { leaseMs: 400 });
    // While the lease holds, nobody else takes the rows.
    expect((await survivor.publishBatch()).claimed).toBe(0);
    await eventually(async () => (await survivor.publishBatch()).published > 0, 'the lease ran out and the survivor published');
    await broker.drain();
    expect(idsOf(received)).toEqual(ids);
    expect((await outbox.rows()).every((r) => r.status === 'published')).toBe(true);
  });

  it('stopping a relay finishes the batch in flight and marks it published', async () => {
    const ids = await addEvents(3);
    const slow = new GatedBroker();
    const relay = outbox.relay(slow, { shutdownTimeoutMs: 60_000 });
    relay.start();
    await eventually(() => slow.publishing, 'the relay is publishing');
    const stopped = relay.stop();
    slow.open();
    await stopped;
    expect(idsOf(slow.received)).toEqual(ids);
    expect((await outbox.rows()).map((r) => [r.status, r.locked_by])).toEqual(ids.map(() => ['published', null]));
    expect(relay.running).toBe(false);
  });

  it('a relay stopped while its broker hangs releases its lease, so no row stays claimed', async () => {
    const ids = await addEvents(3);
    const hung = new GatedBroker();
    const relay = outbox.relay(hung, { leaseMs: 600_000, shutdownTimeoutMs: 100 });
    relay.start();
    await eventually(() => hung.publishing, 'the relay is publishing');
    await relay.stop();
    expect((await outbox.rows()).map((r) => [r.status, r.locked_by])).toEqual(ids.map(() => ['pending', null]));
    const { broker, received } = recordingBroker();
    expect(await outbox.relay(broker).drain()).toBe(3);
    await broker.drain();
    expect(idsOf(received)).toEqual(ids);
  });

  it('a commit wakes the relay at once instead of waiting for the poll', async () => {
    const { broker, received } = recordingBroker();
    const relay = outbox.relay(broker, { pollIntervalMs: 600_000 });
    relay.start();
    const [first] = await addEvents(1);
    await eventually(() => received.length === 1, 'the first event is published', 5_000);
    // The relay is now asleep for ten minutes unless the commit wakes it.
    const [second] = await addEvents(1);
    await eventually(() => received.length === 2, 'the second event is published after its commit', 5_000);
    expect(idsOf(received)).toEqual([first, second]);
    await relay.stop();
  });

  it('a commit of OutboxRepository.add in a transaction the app opened itself wakes the relay too', async () => {
    const { broker, received } = recordingBroker();
    const relay = outbox.relay(broker, { pollIntervalMs: 600_000 });
    relay.start();
    await addEvents(1);
    await eventually(() => received.length === 1, 'the first event is published', 5_000);
    await outbox.dataSource.transaction((manager) => outbox.repository.add(manager, booked(2)));
    await eventually(() => received.length === 2, 'the event is published after its commit', 5_000);
    await relay.stop();
  });

  it('retention deletes only published rows older than it, in small batches', async () => {
    const ids = await addEvents(12);
    const relay = outbox.relay(new InMemoryMessageBroker(), { batchSize: 100, purgeBatchSize: 3, retentionMs: 7 * 24 * 3_600_000 });
    await relay.drain();
    const old = ids.slice(0, 7);
    const rows = await outbox.rows();
    const oldRowIds = rows.filter((r) => old.includes(r.event_id)).map((r) => r.id);
    await outbox.dataSource.query(`UPDATE ${q()} SET published_at = '2000-01-01 00:00:00' WHERE id IN (${oldRowIds.join(', ')})`);
    // Unpublished rows are never purged, however old.
    const pending = await addEvents(2);
    await outbox.dataSource.query(`UPDATE ${q()} SET created_at = '2000-01-01 00:00:00' WHERE status = 'pending'`);

    expect(await relay.purgePublished()).toBe(7);
    const left = await outbox.rows();
    expect(left.map((r) => r.event_id).sort()).toEqual([...ids.slice(7), ...pending].sort());
    expect(await outbox.admin.stats()).toMatchObject({ pending: 2, published: 5, dead: 0 });
    expect((await outbox.admin.stats()).oldestPendingAgeMs).toBeGreaterThan(365 * 24 * 3_600_000);
    expect(await outbox.admin.purgePublished()).toBe(5);
  });
});

/** The databases with row locks: `relay.claim: 'lock'` runs there. */
const lockDatabases = databases.filter((db) => db.name !== 'sqlite');

describe.each(lockDatabases)("outbox relay with claim: 'lock' on $name", (db) => {
  let outbox: TestOutbox;
  const table = useOutboxTable(db, 'lock', (opened) => (outbox = opened));
  const q = () => outbox.dataSource.driver.escape(table);
  const lock = { claim: 'lock' as const };

  const addEvents = (count: number, key?: string) => addBooked(outbox, count, key);

  /** An outbox on the table whose pool holds one connection, and that connection's id on the server. */
  const singleConnection = async () => {
    const dataSource = await connect(db, [], { poolSize: 1, ...(db.name === 'mariadb' ? { extra: { connectionLimit: 1 } } : {}) } as object);
    const [{ id }] = await dataSource.query(db.name === 'postgres' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id');
    return { dataSource, connectionId: Number(id), dialect: createOutboxDialect(dataSource, table) };
  };
  const killConnection = (id: number) => outbox.dataSource.query(db.name === 'postgres' ? `SELECT pg_terminate_backend(${id})` : `KILL ${id}`);

  it('publishes every row once, in id order, and marks it published with one UPDATE: the claim writes nothing', async () => {
    const ids = await addEvents(7, 'room-1');
    const gated = new GatedBroker();
    const relay = outbox.relay(gated, { ...lock, batchSize: 4 });
    const first = relay.publishBatch();
    await eventually(() => gated.publishing, 'the relay is publishing its first batch');
    // While the batch is out, its rows are untouched (pending, no lease) and locked: no lease claim takes them.
    expect((await outbox.rows()).map((r) => [r.status, r.locked_by, r.attempts])).toEqual(ids.map(() => ['pending', null, 0]));
    const leased = await createOutboxDialect(outbox.dataSource, table).claim('lease-relay', 100, 30_000, 'none');
    expect(leased.map((r) => r.eventId)).toEqual(ids.slice(4));
    await createOutboxDialect(outbox.dataSource, table).release(leased.map((r) => r.id), 'lease-relay');
    gated.open();
    expect(await first).toMatchObject({ claimed: 4, published: 4 });
    expect(await relay.drain()).toBe(3);
    expect(idsOf(gated.received)).toEqual(ids);
    expect((await outbox.rows()).every((r) => r.status === 'published' && r.locked_by === null)).toBe(true);
    expect(await relay.drain()).toBe(0);
  });

  it("a relay whose connection is killed mid-batch: the database frees its rows at once and another relay publishes them, no lease to wait for", async () => {
    const ids = await addEvents(5);
    const dying = await singleConnection();
    try {
      const hung = new GatedBroker();
      const relay = new OutboxRelay({ dialect: dying.dialect, broker: hung, wakeup: new OutboxWakeup(), listen: false, options: { ...lock, leaseMs: 600_000 } });
      const abandoned = relay.publishBatch().catch((error: Error) => error);
      await eventually(() => hung.publishing, 'the dying relay is publishing');

      const { broker, received } = recordingBroker();
      const survivor = outbox.relay(broker, { ...lock, leaseMs: 600_000 });
      // While its transaction lives, nobody else takes the rows.
      expect((await survivor.publishBatch()).claimed).toBe(0);
      await killConnection(dying.connectionId);
      await eventually(async () => (await survivor.publishBatch()).published > 0, 'the survivor published the rows of the killed connection', 5_000);
      await broker.drain();
      expect(idsOf(received)).toEqual(ids);
      expect((await outbox.rows()).map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['published', 0]));
      // The dying relay's publish returns later: recording it fails (at least once: the broker got the batch twice).
      hung.open();
      expect(await abandoned).toBeInstanceOf(Error);
      expect((await outbox.rows()).every((r) => r.status === 'published')).toBe(true);
    } finally {
      await dying.dataSource.destroy().catch(() => undefined);
    }
  });

  // PostgreSQL: idle_in_transaction_session_timeout; MariaDB: idle_transaction_timeout (whole seconds), set for the batch.
  it('a batch whose relay went silent (no outcome, connection open) is ended by the database after 2 × leaseMs + 5 s', async () => {
      const ids = await addEvents(2);
      const dialect = createOutboxDialect(outbox.dataSource, table) as LockingOutboxDialect;
      const silent = await dialect.claimLocked(10, 'per-key', 100, undefined);
      expect(silent.rows.map((r) => r.eventId)).toEqual(ids);
      const { broker, received } = recordingBroker();
      const survivor = outbox.relay(broker, lock);
      expect((await survivor.publishBatch()).claimed).toBe(0);
      const started = Date.now();
      await eventually(async () => (await survivor.publishBatch()).published === 2, 'the database ended the silent transaction', 15_000);
      expect(Date.now() - started).toBeGreaterThan(4_000);
      await broker.drain();
      expect(idsOf(received)).toEqual(ids);
      await expect(silent.markPublished(silent.rows.map((r) => r.id))).rejects.toThrow();
    });

  if (db.name === 'mariadb')
    it("gives the connection back to the pool with the server's idle_transaction_timeout, not the batch's", async () => {
      await addEvents(2);
      const { dataSource, dialect } = await singleConnection();
      try {
        const batch = await (dialect as LockingOutboxDialect).claimLocked(10, 'per-key', 30_000, undefined);
        expect(batch.rows).toHaveLength(2);
        await batch.markPublished(batch.rows.map((r) => r.id));
        const [{ after }] = await dataSource.query('SELECT @@SESSION.idle_transaction_timeout AS after');
        // The batch set it (the silent-relay case above shows it ends the batch); the pool gets the default back.
        expect(Number(after)).toBe(0);
      } finally {
        await dataSource.destroy();
      }
    });

  it('a failed publish counts the attempt and waits out the backoff; after maxAttempts the row is dead; replay publishes it', async () => {
    await addEvents(2);
    const down = new DownBroker();
    const failing = outbox.relay(down, { ...lock, retry: { initialDelayMs: 60_000, maxAttempts: 5 } });
    expect(await failing.publishBatch()).toMatchObject({ claimed: 2, failed: 2 });
    expect((await outbox.rows()).map((r) => [r.status, r.attempts, r.locked_by, r.last_error])).toEqual([
      ['pending', 1, null, 'broker unreachable'],
      ['pending', 1, null, 'broker unreachable'],
    ]);
    const { broker, received } = recordingBroker();
    expect((await outbox.relay(broker, lock).publishBatch()).claimed).toBe(0);

    await outbox.dataSource.query(`DELETE FROM ${q()}`);
    const [a, b] = await addEvents(2);
    const dying = outbox.relay(down, { ...lock, retry: { initialDelayMs: 0, maxAttempts: 3 } });
    for (let i = 0; i < 3; i++) expect((await dying.publishBatch()).failed).toBe(2);
    expect(await dying.publishBatch()).toMatchObject({ claimed: 0 });
    expect((await outbox.rows()).map((r) => [r.status, r.attempts, r.last_error])).toEqual([
      ['dead', 3, 'broker unreachable'],
      ['dead', 3, 'broker unreachable'],
    ]);
    expect(await outbox.admin.replay(a)).toBe(true);
    expect(await outbox.relay(broker, lock).drain()).toBe(1);
    expect(await outbox.admin.replayAllDead()).toBe(1);
    expect(await outbox.relay(broker, lock).drain()).toBe(1);
    await broker.drain();
    expect(idsOf(received)).toEqual([a, b]);
    expect(await outbox.admin.stats()).toMatchObject({ pending: 0, dead: 0, published: 2 });
  });

  it('a publish that outlasts leaseMs counts as a failed attempt and commits, so the transaction never stays open longer', async () => {
    const ids = await addEvents(3);
    const hung = new GatedBroker();
    const relay = outbox.relay(hung, { ...lock, leaseMs: 300, retry: { initialDelayMs: 60_000 } });
    expect(await relay.publishBatch()).toMatchObject({ claimed: 3, failed: 3 });
    const rows = await outbox.rows();
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['pending', 1]));
    expect(rows[0].last_error).toContain('leaseMs (300 ms)');
    hung.open();
  });

  it('an unreadable row goes dead in the same transaction; the rest of its batch is published', async () => {
    const ids = await addEvents(3);
    await outbox.dataSource.query(`UPDATE ${q()} SET codec = 'snappy' WHERE event_id = '${ids[1]}'`);
    const { broker, received } = recordingBroker();
    expect(await outbox.relay(broker, lock).publishBatch()).toMatchObject({ claimed: 3, published: 2, unreadable: 1 });
    await broker.drain();
    expect(idsOf(received)).toEqual([ids[0], ids[2]]);
    expect((await outbox.rows()).map((r) => r.status)).toEqual(['published', 'dead', 'published']);
  });

  it('stopping mid-batch finishes the batch in flight and commits it', async () => {
    const ids = await addEvents(3);
    const slow = new GatedBroker();
    const relay = outbox.relay(slow, { ...lock, shutdownTimeoutMs: 60_000 });
    relay.start();
    await eventually(() => slow.publishing, 'the relay is publishing');
    const stopped = relay.stop();
    slow.open();
    await stopped;
    expect(idsOf(slow.received)).toEqual(ids);
    expect((await outbox.rows()).map((r) => [r.status, r.locked_by])).toEqual(ids.map(() => ['published', null]));
    expect(relay.running).toBe(false);
  });

  it('stopping while the broker hangs rolls the batch back, so another relay publishes the rows at once', async () => {
    const ids = await addEvents(3);
    const hung = new GatedBroker();
    const relay = outbox.relay(hung, { ...lock, leaseMs: 600_000, shutdownTimeoutMs: 100 });
    relay.start();
    await eventually(() => hung.publishing, 'the relay is publishing');
    await relay.stop();
    expect((await outbox.rows()).map((r) => [r.status, r.locked_by, r.attempts])).toEqual(ids.map(() => ['pending', null, 0]));
    const { broker, received } = recordingBroker();
    expect(await outbox.relay(broker, lock).drain()).toBe(3);
    await broker.drain();
    expect(idsOf(received)).toEqual(ids);
  });

  it('stopping while the broker hangs also gives back the batch claimed behind the hung one, at once', async () => {
    const ids = await addEvents(5);
    const hung = new GatedBroker();
    // Full batches of 2: while the first publishes (forever), the loop has already claimed the next 2 under lock.
    const relay = outbox.relay(hung, { ...lock, batchSize: 2, ordering: 'none', leaseMs: 600_000, shutdownTimeoutMs: 100 });
    try {
      relay.start();
      await eventually(() => hung.publishing, 'the relay is publishing its first batch');
      await relay.stop();
      const { broker, received } = recordingBroker();
      // Within seconds, not after leaseMs: every row is free for another relay.
      expect(await outbox.relay(broker, { ...lock, batchSize: 100, ordering: 'none' }).drain()).toBe(5);
      await broker.drain();
      expect(idsOf(received).sort()).toEqual([...ids].sort());
    } finally {
      hung.open();
    }
  });

  it.each([
    [7, 10],
    [1_000, 100],
  ])('the loop drains a backlog of 5,000 rows over %i keys (poll %i ms) in pipelined batches, each published once, without batches waiting on each other', async (keys, pollIntervalMs) => {
    const events = Array.from({ length: 5_000 }, (_, i) => booked(i, `room-${i % keys}`));
    for (let start = 0; start < events.length; start += 1_000) await outbox.transaction.run(async (tx) => tx.add(...events.slice(start, start + 1_000)));
    if (db.name === 'mariadb') await outbox.dataSource.query(`ANALYZE TABLE ${q()}`);
    const { broker, received } = recordingBroker();
    const relay = outbox.relay(broker, { ...lock, batchSize: 100, pollIntervalMs });
    relay.start();
    // A batch whose outcome waited for another batch's locks would stall the drain for innodb_lock_wait_timeout (50 s).
    await eventually(async () => (await outbox.admin.stats()).published === 5_000, 'the backlog is drained', 20_000);
    await relay.stop();
    await broker.drain();
    expect(idsOf(received)).toEqual(events.map((e) => e.eventId));
  });
});

// SQLite has no row locks (registered only there).
if (databases.some((db) => db.name === 'sqlite'))
  describe("claim: 'lock' on sqlite", () => {
    it('is refused when the relay is built, with a ConfigurationException naming the fix', async () => {
      const table = uniqueTable('lockq');
      const outbox = await openOutbox(databases.find((db) => db.name === 'sqlite')!, table, { synchronize: true });
      try {
        expect(() => outbox.relay(new InMemoryMessageBroker(), { claim: 'lock' })).toThrow(ConfigurationException);
        expect(() => outbox.relay(new InMemoryMessageBroker(), { claim: 'lock' })).toThrow(/use relay\.claim 'lease'/);
      } finally {
        await dropTable(outbox.dataSource, table);
        await outbox.close();
      }
    });
  });
