// Each helper of nestjs-cqrs-broker/testing on its own: that it does what it says, and that the
// assertions fail, with a message that explains itself, when what they assert is false.
import { AssertionError } from 'node:assert';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  ConfigurationException,
  CqrsBrokerModule,
  EventConsumerModule,
  EventSerializer,
  HandlesEvent,
  InMemoryMessageBroker,
  IntegrationEvent,
  IntegrationEventRegistry,
  InvalidOptionException,
  isTransientFailure,
  MESSAGE_BROKER,
  NotificationEvent,
  TimeoutException,
  type BrokerMessage,
  type EventHandler,
} from 'nestjs-cqrs-broker';
import { createOutboxEntity, OutboxAdmin, OutboxModule, OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
import {
  crashRelayAfterPublish,
  deliver,
  deliverAll,
  drainOutbox,
  expectPublished,
  failDatabase,
  failPublishes,
  recordConsumed,
  recordPublishes,
  RecordingMessageBroker,
} from 'nestjs-cqrs-broker/testing';
import { DataSource, EntitySchema, QueryFailedError } from 'typeorm';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';

interface ParcelPayload {
  parcelId: string;
  address?: { city: string; lines?: string[] };
}

@IntegrationEvent({ name: 'parcel_shipped', topic: 'parcels' })
class ParcelShipped extends NotificationEvent<ParcelPayload> {}

@IntegrationEvent({ name: 'parcel_lost', topic: 'parcels' })
class ParcelLost extends NotificationEvent<ParcelPayload> {}

class NotAnIntegrationEvent extends NotificationEvent<ParcelPayload> {}

const serializer = new EventSerializer(new IntegrationEventRegistry());
const shipped = (parcelId: string, extra: Partial<ParcelPayload> = {}) =>
  serializer.toMessage(new ParcelShipped({ payload: { parcelId, ...extra }, key: parcelId }));

/** Counts handler runs per parcel and the most runs in flight at once, without an inbox: it sees every delivery. */
@HandlesEvent(ParcelShipped)
@Injectable()
class ParcelShippedHandler implements EventHandler<ParcelShipped> {
  readonly seen: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  async handle(event: ParcelShipped): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.seen.push(event.payload.parcelId);
    this.inFlight--;
  }
}

@Module({ providers: [ParcelShippedHandler] })
class ParcelsModule {}

describe('expectPublished', () => {
  const published = [shipped('p-1', { address: { city: 'Lyon', lines: ['1 rue A'] } }), shipped('p-2'), serializer.toMessage(new ParcelLost({ payload: { parcelId: 'p-3' } }))];

  it('returns the messages that match by class, name, topic, key, payload subset and headers', () => {
    expect(expectPublished(published, { event: ParcelShipped }).map((m) => m.key)).toEqual(['p-1', 'p-2']);
    expect(expectPublished(published, { event: 'parcel_lost', topic: 'parcels', times: 1 })).toHaveLength(1);
    const [match] = expectPublished(published, { key: 'p-1', payload: { address: { city: 'Lyon' } }, headers: { 'event-name': 'parcel_shipped' }, times: 1 });
    expect(match).toBe(published[0]);
    expectPublished({ published }, { eventId: published[1].eventId, times: 1 });
  });

  it('fails when the event is missing, naming what was expected and listing what the broker received', () => {
    const failure = catchError(() => expectPublished(published, { event: ParcelShipped, key: 'p-9', payload: { parcelId: 'p-9' } }));
    expect(failure).toBeInstanceOf(AssertionError);
    const { message } = failure as AssertionError;
    expect(message).toContain('Expected at least one published "parcel_shipped" (ParcelShipped) on topic "parcels" with key "p-9" with payload containing');
    expect(message).toContain('found 0. The broker received 3 message(s):');
    expect(message).toContain(`1. "parcel_shipped" on "parcels", key "p-1", id ${published[0].eventId}, payload`);
    expect(message).toContain(`3. "parcel_lost" on "parcels", no key`);
  });

  it('fails when the count differs from times: a duplicate is caught, and times: 0 asserts absence', () => {
    const twice = [published[1], published[1]];
    expect(catchError(() => expectPublished(twice, { event: ParcelShipped, times: 1 }))?.message).toMatch(/^Expected 1 published "parcel_shipped".*; found 2\./);
    expect(expectPublished(twice, { event: ParcelLost, times: 0 })).toEqual([]);
    expect(catchError(() => expectPublished(published, { event: ParcelLost, times: 0 }))).toBeInstanceOf(AssertionError);
    expect(catchError(() => expectPublished([], { event: ParcelLost }))?.message).toContain('(none)');
  });

  it('matches a payload as a subset: extra keys pass, a different value or a partial array fails', () => {
    expectPublished(published, { payload: { address: { city: 'Lyon', lines: ['1 rue A'] } } });
    expect(catchError(() => expectPublished(published, { payload: { address: { city: 'Paris' } } }))).toBeInstanceOf(AssertionError);
    expect(catchError(() => expectPublished(published, { payload: { address: { lines: [] } } }))).toBeInstanceOf(AssertionError);
    expect(catchError(() => expectPublished(published, { payload: { missing: undefined } }))).toBeInstanceOf(AssertionError);
  });

  it('refuses an event class without @IntegrationEvent and a bad times', () => {
    expect(() => expectPublished(published, { event: NotAnIntegrationEvent })).toThrow(InvalidOptionException);
    expect(() => expectPublished(published, { times: -1 })).toThrow(InvalidOptionException);
  });
});

describe('recording and failing brokers', () => {
  it('RecordingMessageBroker keeps what it accepted and still delivers to subscribers', async () => {
    const broker = new RecordingMessageBroker();
    const delivered: BrokerMessage[] = [];
    broker.subscribe('parcels', (m) => void delivered.push(m));
    const messages = [shipped('r-1'), shipped('r-2')];
    await broker.publish(messages);
    await broker.drain();
    expect(broker.published).toEqual(messages);
    expect(delivered).toEqual(messages);
    expect(broker).toBeInstanceOf(InMemoryMessageBroker);
    broker.clear();
    expect(broker.published).toEqual([]);
  });

  it('failPublishes rejects exactly the next N publishes with a broker-down error, then passes through; only accepted messages are recorded', async () => {
    const broker = new InMemoryMessageBroker();
    const recording = recordPublishes(broker);
    const fault = failPublishes(broker, { times: 2 });
    const errors: unknown[] = [];
    for (const id of ['f-1', 'f-2', 'f-3', 'f-4']) await broker.publish([shipped(id)]).catch((error: unknown) => errors.push(error));

    expect(fault.rejected).toBe(2);
    expect(fault.remaining).toBe(0);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isTransientFailure(errors[0])).toBe(true);
    expect(recording.published.map((m) => m.key)).toEqual(['f-3', 'f-4']);
    recording.stop();
    await broker.publish([shipped('f-5')]);
    expect(recording.published).toHaveLength(2);
  });

  it('interceptors stack and come off in any order, leaving the broker as it was', async () => {
    const broker = new InMemoryMessageBroker();
    const first = recordPublishes(broker);
    const fault = failPublishes(broker, { times: 5, error: () => new Error('custom') });
    const second = recordPublishes(broker);
    first.stop();
    await expect(broker.publish([shipped('s-1')])).rejects.toThrow('custom');
    fault.restore();
    expect(fault.remaining).toBe(0);
    await broker.publish([shipped('s-2')]);
    second.stop();
    expect(second.published.map((m) => m.key)).toEqual(['s-2']);
    expect(Object.hasOwn(broker, 'publish')).toBe(false);
  });
});

describe('failDatabase', () => {
  const note = new EntitySchema<{ id: number; text: string }>({
    name: 'TestingKitNote',
    tableName: uniqueTable('kit_notes'),
    columns: { id: { type: Number, primary: true }, text: { type: String, length: 64 } },
  });

  describe.each(databases)('on $name', (db) => {
    let dataSource: DataSource;
    beforeAll(async () => {
      dataSource = await connect(db, [note], { synchronize: true });
    });
    afterAll(async () => {
      await dropTable(dataSource, note.options.tableName!);
      await dataSource?.destroy();
    });

    it('rejects statements with the driver\'s own transient error for the window, then works again with clean connections', async () => {
      const outage = failDatabase(dataSource, { forMs: 300 });
      const during = await dataSource.transaction((manager) => manager.insert(note, { id: 1, text: 'during' })).catch((error: unknown) => error);
      const read = await dataSource.getRepository(note).count().catch((error: unknown) => error);

      expect(during).toBeInstanceOf(QueryFailedError);
      expect(read).toBeInstanceOf(QueryFailedError);
      const expected = { postgres: '57P03', mariadb: 'PROTOCOL_CONNECTION_LOST', sqlite: 'SQLITE_BUSY' }[db.name];
      expect((during as QueryFailedError).driverError).toMatchObject({ code: expected });
      expect(isTransientFailure(during)).toBe(true);
      expect(outage.failures).toBe(2);
      expect(outage.active).toBe(true);

      await outage.ended;
      expect(outage.active).toBe(false);
      await dataSource.transaction((manager) => manager.insert(note, { id: 2, text: 'after' }));
      expect(await dataSource.getRepository(note).findOneBy({ id: 2 })).toMatchObject({ text: 'after' });
      expect(await dataSource.getRepository(note).countBy({ id: 1 })).toBe(0);
      expect(Object.hasOwn(dataSource, 'createQueryRunner')).toBe(false);
    });

    it('connection-refused gives the socket error of a server that is down; a second outage at once is refused', async () => {
      const outage = failDatabase(dataSource, { forMs: 10_000, failure: 'connection-refused' });
      try {
        expect(() => failDatabase(dataSource, { forMs: 10 })).toThrow(ConfigurationException);
        const error = await dataSource.query('SELECT 1').catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
        expect(isTransientFailure(error)).toBe(true);
      } finally {
        outage.end();
      }
      expect(outage.failures).toBe(1);
      await expect(dataSource.query('SELECT 1')).resolves.toBeDefined();
    });
  });
});

describe('delivering to the app\'s consumer pipeline', () => {
  let moduleRef: TestingModule;
  let handler: ParcelShippedHandler;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [CqrsBrokerModule.forRoot(), EventConsumerModule.forRoot({ name: 'parcels-test' }), ParcelsModule],
    }).compile();
    await moduleRef.init();
    handler = moduleRef.get(ParcelShippedHandler);
  });

  afterAll(() => moduleRef?.close());

  beforeEach(() => {
    handler.seen.length = 0;
    handler.maxInFlight = 0;
  });

  it('deliver() hands the same event to the handlers as many times as asked, one after another or at once', async () => {
    const event = new ParcelShipped({ payload: { parcelId: 'd-1' }, key: 'd-1' });
    const consumed = recordConsumed(moduleRef);

    expect((await deliver(moduleRef, event, { times: 2 })).map((o) => o.status)).toEqual(['handled', 'handled']);
    expect(handler.maxInFlight).toBe(1);
    await deliver(moduleRef, serializer.toMessage(event), { times: 3, concurrently: true });
    expect(handler.maxInFlight).toBe(3);

    expect(handler.seen).toEqual(['d-1', 'd-1', 'd-1', 'd-1', 'd-1']);
    expect(consumed.deliveriesOf(event.eventId)).toHaveLength(5);
    consumed.stop();
    await deliver(moduleRef, event);
    expect(consumed.consumed).toHaveLength(5);
  });

  it('deliverAll() delivers in the given, reversed or a seeded shuffled order, and a seed gives its order again', async () => {
    const events = Array.from({ length: 8 }, (_, i) => new ParcelShipped({ payload: { parcelId: `o-${i}` }, key: `k-${i % 3}` }));
    const ids = events.map((e) => e.payload.parcelId);

    await deliverAll(moduleRef, events);
    expect(handler.seen.splice(0)).toEqual(ids);
    await deliverAll(moduleRef, events, { order: 'reversed' });
    expect(handler.seen.splice(0)).toEqual([...ids].reverse());

    const run = await deliverAll(moduleRef, events, { order: 'shuffled', seed: 42 });
    const order = handler.seen.splice(0);
    expect(run.seed).toBe(42);
    expect(run.outcomes.every((o) => o.status === 'handled')).toBe(true);
    expect([...order].sort()).toEqual([...ids].sort());
    expect(order).not.toEqual(ids);
    await deliverAll(moduleRef, events, { order: 'shuffled', seed: 42 });
    expect(handler.seen.splice(0)).toEqual(order);
    expect((await deliverAll(moduleRef, events, { order: 'shuffled' })).seed).toEqual(expect.any(Number));
  });

  it('says which module is missing when the app has no consumer', async () => {
    const bare = await Test.createTestingModule({ imports: [CqrsBrokerModule.forRoot()] }).compile();
    const error = await deliver(bare, new ParcelShipped({ payload: { parcelId: 'x' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationException);
    expect((error as Error).message).toContain('import EventConsumerModule.forRoot({ name })');
    await expect(drainOutbox(bare)).rejects.toThrow('import OutboxModule.forRoot(...)');
    await bare.close();
  });
});

describe('drainOutbox and crashRelayAfterPublish', () => {
  let moduleRef: TestingModule;
  const broker = new RecordingMessageBroker();
  const write = (...parcelIds: string[]) =>
    moduleRef.get(OutboxTransaction).run(async ({ add }) => {
      for (const parcelId of parcelIds) add(new ParcelShipped({ payload: { parcelId }, key: parcelId }));
    });

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [createOutboxEntity({ databaseType: 'better-sqlite3' })], synchronize: true }),
        CqrsBrokerModule.forRoot({ broker }),
                // A row goes dead after 20 failed publishes, 10-20 ms apart.
        OutboxModule.forRoot({ relay: { enabled: false, retry: { maxAttempts: 20, initialDelayMs: 10, maxDelayMs: 20 } } }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
  });

  afterAll(() => moduleRef?.close());

  it('drainOutbox() publishes every pending row and returns what the broker accepted', async () => {
    await write('a-1', 'a-2');
    const published = await drainOutbox(moduleRef);
    expect(published.map((m) => m.key)).toEqual(['a-1', 'a-2']);
    expect((await moduleRef.get(OutboxAdmin).stats()).pending).toBe(0);
    expect(await drainOutbox(moduleRef)).toEqual([]);
  });

  it('drainOutbox() fails with a TimeoutException naming the pending rows when the broker never comes back', async () => {
    const fault = failPublishes(moduleRef.get(MESSAGE_BROKER), { times: 1_000 });
    try {
      await write('t-1');
      const error = await drainOutbox(moduleRef, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutException);
      expect((error as Error).message).toContain('still had 1 pending row(s) after 100 ms');
    } finally {
      fault.restore();
    }
    expect((await drainOutbox(moduleRef)).map((m) => m.key)).toEqual(['t-1']);
  });

  it('drainOutbox() fails when rows go dead instead of being published, unless allowDead', async () => {
    const fault = failPublishes(moduleRef.get(MESSAGE_BROKER), { times: 1_000 });
    const admin = moduleRef.get(OutboxAdmin);
    try {
      await write('x-1');
      const error = await drainOutbox(moduleRef).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AssertionError);
      expect((error as Error).message).toMatch(/1 outbox row\(s\) went dead instead of being published .*\n  parcel_shipped \S+: connect ECONNREFUSED/);

      await admin.replayAllDead();
      expect(await drainOutbox(moduleRef, { allowDead: true })).toEqual([]);
      expect((await admin.stats()).dead).toBe(1);
    } finally {
      fault.restore();
    }
    await admin.replayAllDead();
    expect((await drainOutbox(moduleRef)).map((m) => m.key)).toEqual(['x-1']);
  });

  it('crashRelayAfterPublish() publishes a batch, leaves it pending and leased, and the next drain publishes it again', async () => {
    await write('c-1', 'c-2');
    const beforeCrash = await crashRelayAfterPublish(moduleRef, { leaseMs: 200 });
    expect(beforeCrash.map((m) => m.key)).toEqual(['c-1', 'c-2']);
    expect((await moduleRef.get(OutboxAdmin).stats()).pending).toBe(2);
    expect(await crashRelayAfterPublish(moduleRef)).toEqual([]); // leased: nothing due for another relay yet

    const started = Date.now();
    const again = await drainOutbox(moduleRef);
    expect(again.map((m) => m.eventId)).toEqual(beforeCrash.map((m) => m.eventId));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100); // it had to wait out the dead relay's lease
    expect((await moduleRef.get(OutboxAdmin).stats()).pending).toBe(0);
  });
});

function catchError(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}
