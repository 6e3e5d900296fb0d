// Builds an outbox by hand (no Nest) on one of the test databases, so a test
// can run several relays with separate connections, and small helpers.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EventSerializer,
  InMemoryMessageBroker,
  IntegrationEvent,
  IntegrationEventRegistry,
  NotificationEvent,
  type BrokerMessage,
  type MessageBroker,
} from 'nestjs-cqrs-broker';
import {
  createOutboxDialect,
  createOutboxEntity,
  OutboxAdmin,
  OutboxCommitSubscriber,
  OutboxRelay,
  OutboxRepository,
  OutboxTransaction,
  OutboxWakeup,
  type OutboxCodec,
  type OutboxRelayOptions,
} from 'nestjs-cqrs-broker/outbox';
import { EntitySchema, type DataSource } from 'typeorm';
import { connect, dropTable, uniqueTable, type TestDatabase } from './databases.js';

export interface RoomBookedPayload {
  readonly bookingId: number;
}

@IntegrationEvent({ name: 'room_booked', topic: 'rooms' })
export class RoomBooked extends NotificationEvent<RoomBookedPayload> {}

export const booked = (bookingId: number, key?: string) => new RoomBooked({ payload: { bookingId }, key });

export interface Booking {
  id: number;
  room: string;
}

export const bookingEntity = (tableName: string) =>
  new EntitySchema<Booking>({
    name: `Booking:${tableName}`,
    tableName,
    columns: { id: { type: Number, primary: true }, room: { type: String, length: 64 } },
  });

export const serializer = new EventSerializer(new IntegrationEventRegistry());

export interface TestOutbox {
  readonly dataSource: DataSource;
  readonly wakeup: OutboxWakeup;
  readonly repository: OutboxRepository;
  readonly transaction: OutboxTransaction;
  readonly admin: OutboxAdmin;
  relay(broker: MessageBroker, options?: OutboxRelayOptions): OutboxRelay;
  /** Raw rows of the table, by id. */
  rows(): Promise<Array<{ id: string; event_id: string; status: string; attempts: number; locked_by: string | null; last_error: string | null }>>;
  close(): Promise<void>;
}

/** An outbox on `table` with its own connection (pool). The first call should pass `synchronize`. */
export async function openOutbox(
  db: TestDatabase,
  table: string,
  { codec = 'none', synchronize = false, extraEntities = [] }: { codec?: OutboxCodec; synchronize?: boolean; extraEntities?: EntitySchema<any>[] } = {},
): Promise<TestOutbox> {
  const dataSource = await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: table }), ...extraEntities], { synchronize });
  const dialect = createOutboxDialect(dataSource, table);
  const wakeup = new OutboxWakeup();
  const commits = new OutboxCommitSubscriber(dataSource, wakeup);
  commits.attach();
  const repository = new OutboxRepository(dialect, serializer, codec, commits, true);
  const relays: OutboxRelay[] = [];
  return {
    dataSource,
    wakeup,
    repository,
    transaction: new OutboxTransaction(dataSource, repository),
    admin: new OutboxAdmin(dialect),
    relay(broker, options) {
      const relay = new OutboxRelay({ dialect, broker, wakeup, options: { pollIntervalMs: 50, ...options } });
      relays.push(relay);
      return relay;
    },
    rows: async () => {
      const q = dataSource.driver.escape(table);
      const rows: any[] = await dataSource.query(`SELECT id, event_id, status, attempts, locked_by, last_error FROM ${q} ORDER BY id`);
      return rows.map((r) => ({ ...r, id: String(r.id), attempts: Number(r.attempts) }));
    },
    close: async () => {
      await Promise.all(relays.map((r) => r.stop()));
      commits.detach();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** The in-memory broker with everything published to `rooms` recorded, in order. */
export function recordingBroker(): { broker: InMemoryMessageBroker; received: BrokerMessage[] } {
  const broker = new InMemoryMessageBroker();
  const received: BrokerMessage[] = [];
  broker.subscribe('rooms', (m) => void received.push(m));
  return { broker, received };
}

/** Waits for a condition, failing with `what` after a generous deadline (a guard, not a speed check). */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** Event ids in the order the broker received them. */
export const idsOf = (messages: readonly BrokerMessage[]) => messages.map((m) => m.eventId);

/**
 * A table of the describe block's own on `db` (`prefix` + a random suffix): opened with `synchronize` before
 * all its tests and handed to `opened`, emptied before each test, dropped after all. Returns the table's name.
 */
export function useOutboxTable(db: TestDatabase, prefix: string, opened: (outbox: TestOutbox) => void): string {
  const table = uniqueTable(prefix);
  let outbox: TestOutbox;
  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true });
    opened(outbox);
  });
  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await outbox.close();
  });
  beforeEach(async () => {
    await outbox.dataSource.query(`DELETE FROM ${outbox.dataSource.driver.escape(table)}`);
  });
  return table;
}

/** Writes `count` booked events of `key` in one transaction; returns their event ids in id order. */
export async function addBooked(outbox: TestOutbox, count: number, key?: string): Promise<string[]> {
  const events = Array.from({ length: count }, (_, i) => booked(i, key));
  await outbox.transaction.run(async (tx) => tx.add(...events));
  return events.map((e) => e.eventId);
}

/** Publishes batch after batch until a claim comes back empty; returns how many were published. */
export async function publishUntilEmpty(relay: OutboxRelay): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await relay.publishBatch();
    total += result.published;
    if (!result.claimed) return total;
  }
}
