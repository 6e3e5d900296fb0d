import { InMemoryMessageBroker, type BrokerMessage, type MessageBroker } from 'nestjs-cqrs-broker';
import { ConfigurationException } from 'nestjs-cqrs-broker';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import { connect, databases } from './databases.js';
import { booked, eventually, idsOf, recordingBroker } from './harness.js';
import { openCdcOutbox, postgres, terminateWalsender, type CdcOutbox } from './logical-replication.js';

/** A broker that rejects the first `failures` publishes, then records. */
class FlakyBroker implements MessageBroker {
  readonly received: BrokerMessage[] = [];
  calls = 0;
  constructor(private failures: number) {}
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker unreachable');
    }
    this.received.push(...messages);
  }
}

const fastRetry = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 'none' as const };
/** A guard against a hang, not a speed check: other suites share the machine. */
const DEADLINE_MS = 30_000;

describe('outbox relay on PostgreSQL logical replication', () => {
  let outbox: CdcOutbox;

  beforeAll(async () => {
    outbox = await openCdcOutbox('cdc');
  });
  afterAll(async () => {
    await outbox?.close();
  });

  const write = async (count: number, key?: string) => {
    const events = Array.from({ length: count }, (_, i) => booked(i, key));
    await outbox.transaction.run(async (tx) => tx.add(...events));
    return events.map((e) => e.eventId);
  };

  it('a committed transaction writes no outbox row; its events are published once, in commit order; a rolled-back one is never published', async () => {
    const { broker, received } = recordingBroker();
    const relay = await outbox.relay(broker, { batchSize: 5 });
    await relay.start();
    const first = await write(7, 'room-1');
    await expect(
      outbox.transaction.run(async (tx) => {
        tx.add(booked(99, 'room-1'));
        throw new Error('business rule');
      }),
    ).rejects.toThrow('business rule');
    const second = await write(4, 'room-1');
    expect(await outbox.rows()).toEqual([]);
    await eventually(() => received.length >= 11, '11 events published', DEADLINE_MS);
    await relay.stop();
    await broker.drain();
    expect(idsOf(received)).toEqual([...first, ...second]);
  });

  it('the slot position is the cursor: a relay started after another stopped publishes only what came after', async () => {
    const { broker, received } = recordingBroker();
    const before = await write(3);
    const relay = await outbox.relay(broker);
    await relay.start();
    await eventually(() => received.length >= 3, 'the first 3 events published', DEADLINE_MS);
    await relay.stop();
    const after = await write(2);
    const next = await outbox.relay(broker);
    await next.start();
    await eventually(() => received.length >= 5, 'the next 2 events published', DEADLINE_MS);
    await next.stop();
    await broker.drain();
    expect(idsOf(received)).toEqual([...before, ...after]);
  });

  it('a failed publish stores the batch in the table with its backoff and the stream moves on; later events of that key wait behind it, other keys do not; all go out in key order', async () => {
    const broker = new FlakyBroker(1);
    // A first retry 1 s later: the stored rows can be looked at before it.
    const relay = await outbox.relay(broker, { retry: { ...fastRetry, initialDelayMs: 1_000, maxAttempts: 5 }, batchSize: 100 });
    await relay.start();
    const held = await write(3, 'room-held');
    await eventually(() => broker.calls >= 1, 'the first publish tried', DEADLINE_MS);
    await eventually(async () => (await outbox.rows()).length === 3, 'the failed batch stored in the table', DEADLINE_MS);
    const parked = await outbox.rows();
    expect(parked.map((r) => [r.event_id, r.attempts])).toEqual(held.map((id) => [id, 1]));
    expect(parked[0].last_error).toContain('broker unreachable');
    const behind = await write(2, 'room-held');
    const free = await write(2, 'room-free');
    await eventually(() => broker.received.length >= 7, 'all 7 events published', DEADLINE_MS);
    await relay.stop();
    const order = idsOf(broker.received);
    expect(order.filter((id) => [...held, ...behind].includes(id))).toEqual([...held, ...behind]);
    expect(order.filter((id) => free.includes(id))).toEqual(free);
    expect((await outbox.rows()).every((r) => r.status === 'published')).toBe(true);
    await outbox.dataSource.query(`DELETE FROM "${outbox.table}"`);
  });

  it('an event that fails its last attempt is a dead row; the admin replays it and the relay publishes it', async () => {
    const broker = new FlakyBroker(1);
    const relay = await outbox.relay(broker, { retry: { ...fastRetry, maxAttempts: 1 } });
    await relay.start();
    const [dead] = await write(1, 'room-dead');
    await eventually(async () => (await outbox.rows()).some((r) => r.status === 'dead'), 'the event stored dead', DEADLINE_MS);
    const next = await write(1, 'room-dead');
    await eventually(() => broker.received.length >= 1, 'the next event of the key published (a dead row holds nothing back)', DEADLINE_MS);
    expect(idsOf(broker.received)).toEqual(next);
    expect((await outbox.admin.listDead()).map((r) => r.eventId)).toEqual([dead]);
    expect(await outbox.admin.replay(dead)).toBe(true);
    await eventually(() => broker.received.length >= 2, 'the replayed event published', DEADLINE_MS);
    await relay.stop();
    expect(idsOf(broker.received)).toEqual([...next, dead]);
    expect((await outbox.admin.stats()).dead).toBe(0);
    await outbox.dataSource.query(`DELETE FROM "${outbox.table}"`);
  });

  it('compressed bodies (brotli) reach the broker as the serializer wrote them', async () => {
    const zipped = await openCdcOutbox('cdc_br', { codec: 'brotli' });
    try {
      const { broker, received } = recordingBroker();
      const relay = await zipped.relay(broker);
      await relay.start();
      const event = booked(42, 'room-z');
      await zipped.transaction.run(async (tx) => tx.add(event));
      await eventually(() => received.length >= 1, 'the event published', DEADLINE_MS);
      expect(JSON.parse(received[0].body.toString())).toMatchObject({ event_id: event.eventId, payload: { bookingId: 42 } });
    } finally {
      await zipped.close();
    }
  });

  it('of two relays exactly one streams the slot; when it stops the other takes over and no event is lost', async () => {
    const { broker, received } = recordingBroker();
    const a = await outbox.relay(broker);
    const b = await outbox.relay(broker);
    await a.start();
    await eventually(() => a.streaming, 'relay A streaming', DEADLINE_MS);
    await b.start();
    const first = await write(5, 'room-f');
    await eventually(() => received.length >= 5, 'the first 5 events published', DEADLINE_MS);
    expect([a.streaming, b.streaming]).toEqual([true, false]);
    await a.stop();
    const second = await write(5, 'room-f');
    await eventually(() => b.streaming, 'relay B streaming', DEADLINE_MS);
    await eventually(() => received.length >= 10, 'the next 5 events published by B', DEADLINE_MS);
    await b.stop();
    await broker.drain();
    expect(idsOf(received)).toEqual([...first, ...second]);
  });

  it('a walsender ended under the relay (as by a PostgreSQL restart) costs no event: the relay streams again from the last acknowledged one', async () => {
    const { broker, received } = recordingBroker();
    const relay = await outbox.relay(broker);
    await relay.start();
    await eventually(() => relay.streaming, 'relay streaming', DEADLINE_MS);
    const first = await write(10, 'room-t');
    await eventually(() => received.length >= 10, 'the first 10 published', DEADLINE_MS);
    expect(await terminateWalsender(outbox.dataSource, outbox.slotName)).toBe(1);
    const second = await write(10, 'room-t');
    await eventually(() => new Set(idsOf(received)).size >= 20, 'all 20 published', DEADLINE_MS);
    await relay.stop();
    const ids = idsOf(received);
    expect(new Set(ids)).toEqual(new Set([...first, ...second]));
    // Per key, in order (a replay after the cut may repeat events, never reorder them).
    const firstSeen = [...new Set(ids)];
    expect(firstSeen).toEqual([...first, ...second]);
  });
});

describe('a logical-replication relay that cannot run', () => {
  it('refuses to start on MariaDB and SQLite, naming the source to use', async () => {
    for (const db of databases.filter((d) => d.name !== 'postgres')) {
      const dataSource = await connect(db);
      try {
        const relay = new OutboxRelay({
          dialect: createOutboxDialect(dataSource, 'outbox_never'),
          broker: new InMemoryMessageBroker(),
          wakeup: new OutboxWakeup(),
          options: { source: 'logical-replication' },
        });
        await expect(relay.start()).rejects.toThrow(ConfigurationException);
        await expect(relay.start()).rejects.toThrow(/reads PostgreSQL's write-ahead log.*use relay.source 'table'/);
        expect(relay.running).toBe(false);
      } finally {
        await dataSource.destroy();
      }
    }
  });

  it('refuses to start when the server is not at wal_level = logical, saying how to set it', async () => {
    const dataSource = await connect(postgres);
    try {
      const real = dataSource.query.bind(dataSource);
      // The shared server is configured; this reading of SHOW-like state stands for one that is not.
      vi.spyOn(dataSource, 'query').mockImplementation(async (sql: string, params?: any) => {
        if (sql.includes("current_setting('wal_level')")) return [{ wal_level: 'replica', role: 'postgres', can_replicate: true, has_publication: false, has_slot: false }];
        return real(sql, params);
      });
      const relay = new OutboxRelay({
        dialect: createOutboxDialect(dataSource, 'outbox_never'),
        broker: new InMemoryMessageBroker(),
        wakeup: new OutboxWakeup(),
        options: { source: 'logical-replication', slotName: 'never_created' },
      });
      await expect(relay.start()).rejects.toThrow(/needs wal_level = logical, and this PostgreSQL has wal_level = replica: run ALTER SYSTEM SET wal_level = logical and restart/);
      expect(relay.running).toBe(false);
    } finally {
      vi.restoreAllMocks();
      await dataSource.destroy();
    }
  });

  it('refuses to start for a role without REPLICATION, naming the ALTER ROLE to run', async () => {
    const admin = await connect(postgres);
    const role = `cdc_norepl_${Math.random().toString(36).slice(2, 8)}`;
    await admin.query(`CREATE ROLE ${role} LOGIN NOREPLICATION`);
    try {
      const url = new URL(process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
      url.username = role;
      const dataSource = await connect({ ...postgres, options: () => ({ type: 'postgres', url: url.toString() }) });
      try {
        const relay = new OutboxRelay({
          dialect: createOutboxDialect(dataSource, 'outbox_never'),
          broker: new InMemoryMessageBroker(),
          wakeup: new OutboxWakeup(),
          options: { source: 'logical-replication', slotName: 'never_created' },
        });
        await expect(relay.start()).rejects.toThrow(`ALTER ROLE "${role}" WITH REPLICATION`);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await admin.query(`DROP ROLE ${role}`);
      await admin.destroy();
    }
  });
});
