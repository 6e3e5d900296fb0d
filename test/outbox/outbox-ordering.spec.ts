import { setTimeout as sleep } from 'node:timers/promises';
import type { BrokerMessage, MessageBroker } from 'nestjs-cqrs-broker';
import { createOutboxDialect } from 'nestjs-cqrs-broker/outbox';
import { databases } from './databases.js';
import { addBooked, booked, eventually, openOutbox, publishUntilEmpty, useOutboxTable, type TestOutbox } from './harness.js';

/**
 * Records what it accepts, per key, at the moment a publish completes (after
 * a random network delay), and can reject chosen events.
 */
class RecordingBroker implements MessageBroker {
  readonly accepted: BrokerMessage[] = [];
  /** Event ids rejected by the next publish that carries them (then forgotten). */
  readonly failOnce = new Set<string>();
  /** Event ids rejected by every publish that carries them. */
  readonly failAlways = new Set<string>();

  constructor(private readonly maxDelayMs = 0) {}

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    if (this.maxDelayMs) await sleep(Math.random() * this.maxDelayMs);
    const bad = messages.find((m) => this.failOnce.has(m.eventId) || this.failAlways.has(m.eventId));
    if (bad) {
      this.failOnce.delete(bad.eventId);
      throw new Error(`broker rejected ${bad.eventId}`);
    }
    this.accepted.push(...messages);
  }

  /** Event ids accepted for `key`, in the order the broker accepted them. */
  of(key: string | undefined): string[] {
    return this.accepted.filter((m) => m.key === key).map((m) => m.eventId);
  }
}

describe.each(databases)('per-key ordering on $name', (db) => {
  let outbox: TestOutbox;
  const table = useOutboxTable(db, 'order', (opened) => (outbox = opened));
  const q = () => outbox.dataSource.driver.escape(table);

  const add = (key: string | undefined, count = 1) => addBooked(outbox, count, key);

  const drainAll = publishUntilEmpty;

  it('3 relays in parallel on 3,000 rows over 30 keys: each key reaches the broker in id order, every event exactly once', async () => {
    const written = new Map<string, string[]>();
    for (let start = 0; start < 3_000; start += 500) {
      const events = Array.from({ length: 500 }, (_, i) => booked(start + i, `room-${(start + i) % 30}`));
      await outbox.transaction.run(async (tx) => tx.add(...events));
      for (const e of events) written.set(e.key!, [...(written.get(e.key!) ?? []), e.eventId]);
    }
    const broker = new RecordingBroker(5);
    const relays = await Promise.all(Array.from({ length: 3 }, () => openOutbox(db, table)));
    try {
      for (const relay of relays) relay.relay(broker, { batchSize: 50, pollIntervalMs: 10 }).start();
      await eventually(() => broker.accepted.length >= 3_000, 'all 3,000 events are published', 60_000);
    } finally {
      await Promise.all(relays.map((r) => r.close()));
    }
    expect(broker.accepted).toHaveLength(3_000);
    expect(new Set(broker.accepted.map((m) => m.eventId)).size).toBe(3_000);
    for (const [key, ids] of written) expect(broker.of(key), key).toEqual(ids);
    expect(await outbox.admin.stats()).toMatchObject({ pending: 0, published: 3_000, dead: 0 });
  });

  it("a relay claims none of a key's events while another relay holds an older one; other keys and keyless rows are claimed", async () => {
    const a = await add('a', 3);
    const b = await add('b', 2);
    const more = await add('a', 2);
    const keyless = await add(undefined, 2);
    // Another relay leases a1, a2 and is still publishing them.
    const held = await createOutboxDialect(outbox.dataSource, table).claim('holder', 2, 60_000, 'per-key');
    expect(held.map((r) => r.eventId)).toEqual(a.slice(0, 2));

    const broker = new RecordingBroker();
    const other = outbox.relay(broker, { batchSize: 100 });
    expect(await drainAll(other)).toBe(4);
    expect(broker.of('b')).toEqual(b);
    expect(broker.of(undefined)).toEqual(keyless);
    expect(broker.of('a')).toEqual([]);

    await outbox.dataSource.query(`UPDATE ${q()} SET status = 'published', locked_by = NULL, locked_until = NULL WHERE locked_by = 'holder'`);
    expect(await drainAll(other)).toBe(3);
    expect(broker.of('a')).toEqual([a[2], ...more]);
  });

  it("a failed publish of K's first event holds K's later events back until it is retried and published, while other keys proceed", async () => {
    const [a1] = await add('a');
    const rest = await add('a', 9);
    const b = await add('b', 5);
    const keyless = await add(undefined, 3);
    const broker = new RecordingBroker();
    broker.failOnce.add(a1);
    // a1 is published alone and fails: it waits out its backoff.
    expect(await outbox.relay(broker, { batchSize: 1, retry: { initialDelayMs: 2_000 } }).publishBatch()).toMatchObject({ failed: 1 });

    // K's nine later events (more than a batch) are all due, yet none overtakes a1, and they do not stall b.
    const relay = outbox.relay(broker, { batchSize: 4 });
    expect(await drainAll(relay)).toBe(8);
    expect(broker.of('b')).toEqual(b);
    expect(broker.of(undefined)).toEqual(keyless);
    expect(broker.of('a')).toEqual([]);

    let published = 0;
    await eventually(async () => (published += await drainAll(relay)) === 10, 'a1 is retried and K follows', 10_000);
    // Several events of one key travel in one batch, in id order.
    expect(broker.of('a')).toEqual([a1, ...rest]);
    expect((await outbox.rows()).every((r) => r.status === 'published')).toBe(true);
  });

  it('a dead row releases its successors; a replayed dead row is published after them', async () => {
    const [a1] = await add('a');
    const rest = await add('a', 3);
    const broker = new RecordingBroker();
    broker.failAlways.add(a1);
    expect(await outbox.relay(broker, { batchSize: 1, retry: { maxAttempts: 1 } }).publishBatch()).toMatchObject({ failed: 1 });
    expect(await outbox.admin.stats()).toMatchObject({ dead: 1, pending: 3 });

    const relay = outbox.relay(broker, { batchSize: 10 });
    expect(await drainAll(relay)).toBe(3);
    expect(broker.of('a')).toEqual(rest);

    broker.failAlways.clear();
    expect(await outbox.admin.replay(a1)).toBe(true);
    expect(await drainAll(relay)).toBe(1);
    expect(broker.of('a')).toEqual([...rest, a1]);
  });

  it("ordering: 'none' keeps the previous behaviour: K's later events overtake a failed one, and another relay takes them while K's older events are held", async () => {
    const [a1] = await add('a');
    const rest = await add('a', 3);
    const broker = new RecordingBroker();
    broker.failOnce.add(a1);
    const options = { ordering: 'none' as const, retry: { initialDelayMs: 60_000 } };
    expect(await outbox.relay(broker, { ...options, batchSize: 1 }).publishBatch()).toMatchObject({ failed: 1 });
    expect(await drainAll(outbox.relay(broker, { ...options, batchSize: 10 }))).toBe(3);
    expect(broker.of('a')).toEqual(rest);

    const later = await add('a', 4);
    const held = await createOutboxDialect(outbox.dataSource, table).claim('holder', 2, 60_000, 'none');
    expect(held.map((r) => r.eventId)).toEqual(later.slice(0, 2));
    expect(await drainAll(outbox.relay(broker, options))).toBe(2);
    expect(broker.of('a')).toEqual([...rest, ...later.slice(2)]);
  });
});

/** A broker whose publish waits until `open()`, recording what it then accepts. */
class GatedBroker implements MessageBroker {
  readonly accepted: BrokerMessage[] = [];
  publishing = false;
  private opened!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.publishing = true;
    await this.gate;
    this.accepted.push(...messages);
  }
  open(): void {
    this.opened();
  }
}

describe.each(databases.filter((db) => db.name !== 'sqlite'))("per-key ordering with claim: 'lock' on $name", (db) => {
  let outbox: TestOutbox;
  const table = useOutboxTable(db, 'olock', (opened) => (outbox = opened));
  const q = () => outbox.dataSource.driver.escape(table);
  const lock = { claim: 'lock' as const };

  const add = (key: string | undefined, count = 1) => addBooked(outbox, count, key);

  const drainAll = publishUntilEmpty;

  it('3 relays on 3,000 rows over 30 keys, with retries and dead rows: each key in id order, every event once, dead rows replayed', async () => {
    const written = new Map<string, string[]>();
    const all: string[] = [];
    for (let start = 0; start < 3_000; start += 500) {
      const events = Array.from({ length: 500 }, (_, i) => booked(start + i, `room-${(start + i) % 30}`));
      await outbox.transaction.run(async (tx) => tx.add(...events));
      for (const e of events) written.set(e.key!, [...(written.get(e.key!) ?? []), e.eventId]);
      all.push(...events.map((e) => e.eventId));
    }
    const broker = new RecordingBroker(5);
    // Every 97th event fails once (its batch is retried after a backoff); three events always fail and go dead.
    all.forEach((id, i) => i % 97 === 5 && broker.failOnce.add(id));
    const poison = [all[100], all[1_500], all[2_900]];
    for (const id of poison) broker.failAlways.add(id);
    const options = { ...lock, batchSize: 50, pollIntervalMs: 10, retry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 4 } };
    const relays = await Promise.all(Array.from({ length: 3 }, () => openOutbox(db, table)));
    try {
      for (const relay of relays) relay.relay(broker, options).start();
      await eventually(async () => (await outbox.admin.stats()).pending === 0, 'no row is pending', 90_000);

      const dead = new Set((await outbox.admin.listDead(3_000)).map((d) => d.eventId));
      for (const id of poison) expect(dead.has(id), id).toBe(true);
      // Each key in id order, its dead rows left out; every other event exactly once.
      for (const [key, ids] of written) expect(broker.of(key), key).toEqual(ids.filter((id) => !dead.has(id)));
      expect(broker.accepted).toHaveLength(3_000 - dead.size);
      expect(new Set(broker.accepted.map((m) => m.eventId)).size).toBe(3_000 - dead.size);

      broker.failAlways.clear();
      expect(await outbox.admin.replayAllDead()).toBe(dead.size);
      await eventually(() => broker.accepted.length >= 3_000, 'the replayed rows are published', 30_000);
    } finally {
      await Promise.all(relays.map((r) => r.close()));
    }
    expect(new Set(broker.accepted.map((m) => m.eventId)).size).toBe(3_000);
    expect(broker.accepted).toHaveLength(3_000);
    expect(await outbox.admin.stats()).toMatchObject({ pending: 0, published: 3_000, dead: 0 });
  });

  it("no relay claims a key's events while another relay's transaction holds an older one; other keys and keyless rows flow", async () => {
    const a = await add('a', 2);
    const b = await add('b', 2);
    const more = await add('a', 2);
    const keyless = await add(undefined, 2);
    // Another relay locks a1, a2 and is still publishing them.
    const gated = new GatedBroker();
    const holding = outbox.relay(gated, { ...lock, batchSize: 2 }).publishBatch();
    await eventually(() => gated.publishing, 'the holder is publishing');

    const broker = new RecordingBroker();
    const other = outbox.relay(broker, { ...lock, batchSize: 100 });
    expect(await drainAll(other)).toBe(4);
    expect(broker.of('b')).toEqual(b);
    expect(broker.of(undefined)).toEqual(keyless);
    expect(broker.of('a')).toEqual([]);

    gated.open();
    expect(await holding).toMatchObject({ published: 2 });
    expect(gated.accepted.map((m) => m.eventId)).toEqual(a);
    expect(await drainAll(other)).toBe(2);
    expect(broker.of('a')).toEqual(more);
  });

  it("a failed publish of K's first event holds K's later events back until it is retried and published, while other keys proceed", async () => {
    const [a1] = await add('a');
    const rest = await add('a', 9);
    const b = await add('b', 5);
    const keyless = await add(undefined, 3);
    const broker = new RecordingBroker();
    broker.failOnce.add(a1);
    expect(await outbox.relay(broker, { ...lock, batchSize: 1, retry: { initialDelayMs: 2_000 } }).publishBatch()).toMatchObject({ failed: 1 });

    const relay = outbox.relay(broker, { ...lock, batchSize: 4 });
    expect(await drainAll(relay)).toBe(8);
    expect(broker.of('b')).toEqual(b);
    expect(broker.of(undefined)).toEqual(keyless);
    expect(broker.of('a')).toEqual([]);

    let published = 0;
    await eventually(async () => (published += await drainAll(relay)) === 10, 'a1 is retried and K follows', 10_000);
    expect(broker.of('a')).toEqual([a1, ...rest]);
    expect((await outbox.rows()).every((r) => r.status === 'published')).toBe(true);
  });

  it('a dead row releases its successors; a replayed dead row is published after them', async () => {
    const [a1] = await add('a');
    const rest = await add('a', 3);
    const broker = new RecordingBroker();
    broker.failAlways.add(a1);
    expect(await outbox.relay(broker, { ...lock, batchSize: 1, retry: { maxAttempts: 1 } }).publishBatch()).toMatchObject({ failed: 1 });
    expect(await outbox.admin.stats()).toMatchObject({ dead: 1, pending: 3 });

    const relay = outbox.relay(broker, { ...lock, batchSize: 10 });
    expect(await drainAll(relay)).toBe(3);
    expect(broker.of('a')).toEqual(rest);

    broker.failAlways.clear();
    expect(await outbox.admin.replay(a1)).toBe(true);
    expect(await drainAll(relay)).toBe(1);
    expect(broker.of('a')).toEqual([...rest, a1]);
  });
});
