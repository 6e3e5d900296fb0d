// @nestjs/cqrs's EventBus with OutboxEventPublisher: integration events go to the outbox (in the
// caller's OutboxTransaction when one is open, else in a transaction of their own), every other
// event to @nestjs/cqrs's own publisher and handlers. On SQLite and PostgreSQL.
import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AggregateRoot, CqrsModule, EventBus, EventPublisher, EventsHandler, type IEvent, type IEventHandler } from '@nestjs/cqrs';
import { CqrsBrokerModule } from 'nestjs-cqrs-broker';
import { OutboxAdmin, OutboxEventPublisher, OutboxModule, OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
import { databases, dropTable, uniqueTable } from './databases.js';
import { booked, bookingEntity, eventually, idsOf, openOutbox, recordingBroker, type TestOutbox } from './harness.js';

/** A plain @nestjs/cqrs event: not an integration event, so never in the outbox. */
class RoomCleaned implements IEvent {
  constructor(readonly room: string) {}
}

const seen: string[] = [];

@EventsHandler(RoomCleaned)
class RoomCleanedHandler implements IEventHandler<RoomCleaned> {
  handle(event: RoomCleaned): void {
    seen.push(event.room);
  }
}

/** An aggregate whose commit() publishes through the EventBus, as @nestjs/cqrs apps do. */
class Room extends AggregateRoot {
  constructor(readonly bookingId: number) {
    super();
  }

  book(): void {
    this.apply(booked(this.bookingId, 'green'));
    this.apply(new RoomCleaned(`room-${this.bookingId}`));
  }
}

const bookings = uniqueTable('cqrs_bookings');
const Booking = bookingEntity(bookings);

const runIn = (databaseNames: readonly string[]) => databases.filter((db) => databaseNames.includes(db.name));

describe.each(runIn(['sqlite', 'postgres']))('OutboxEventPublisher on @nestjs/cqrs EventBus, $name', (db) => {
  const table = uniqueTable('cqrs');
  let outbox: TestOutbox;
  let app: INestApplicationContext;
  let received: ReturnType<typeof recordingBroker>['received'];

  @Injectable()
  class Installer implements OnModuleInit {
    constructor(
      private readonly eventBus: EventBus,
      private readonly outboxTransaction: OutboxTransaction,
    ) {}

    onModuleInit(): void {
      OutboxEventPublisher.install(this.eventBus, this.outboxTransaction);
    }
  }

  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true, extraEntities: [Booking] });
    const recording = recordingBroker();
    received = recording.received;
    @Module({
      imports: [
        CqrsModule.forRoot(),
        CqrsBrokerModule.forRoot({ broker: recording.broker }),
        OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, relay: { pollIntervalMs: 600_000 } }),
      ],
      providers: [Installer, RoomCleanedHandler],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await dropTable(outbox.dataSource, table);
    await dropTable(outbox.dataSource, bookings);
    await outbox.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('is what the EventBus publishes through once installed, with the default publisher behind it', () => {
    const publisher = app.get(EventBus).publisher;
    expect(publisher).toBeInstanceOf(OutboxEventPublisher);
    expect((publisher as OutboxEventPublisher).fallback.constructor.name).toBe('DefaultPubSub');
  });

  it('an integration event published inside OutboxTransaction.run commits with the work, and is gone with it on rollback', async () => {
    const eventBus = app.get(EventBus);
    const tx = app.get(OutboxTransaction);
    const committed = booked(101, 'blue');
    await tx.run(async ({ manager }) => {
      await manager.insert(Booking, { id: 101, room: 'blue' });
      // Queued in this transaction (publish returns nothing to await), inserted before its commit.
      expect(eventBus.publish(committed)).toBeUndefined();
    });
    const rolledBack = booked(102, 'blue');
    await expect(
      tx.run(async ({ manager }) => {
        await manager.insert(Booking, { id: 102, room: 'blue' });
        eventBus.publish(rolledBack);
        throw new Error('the command fails after publishing');
      }),
    ).rejects.toThrow('the command fails after publishing');
    await eventually(() => received.some((m) => m.eventId === committed.eventId), 'the committed event is relayed', 10_000);
    expect(idsOf(received)).not.toContain(rolledBack.eventId);
    expect(await outbox.dataSource.getRepository(Booking).countBy({ id: 102 })).toBe(0);
  });

  it('an integration event published outside any transaction is stored in one of its own; publish returns that write', async () => {
    const event = booked(201, 'red');
    await app.get(EventBus).publish(event);
    await eventually(() => received.some((m) => m.eventId === event.eventId), 'the event is relayed', 10_000);
    expect(received.find((m) => m.eventId === event.eventId)?.key).toBe('red');
  });

  it('every other event goes to @nestjs/cqrs handlers as before, never to the outbox', async () => {
    const before = (await app.get(OutboxAdmin).stats()) as { pending: number; published: number };
    await app.get(EventBus).publish(new RoomCleaned('room-7'));
    await eventually(() => seen.includes('room-7'), 'the @EventsHandler sees the event', 5_000);
    expect(await app.get(OutboxAdmin).stats()).toMatchObject({ pending: before.pending, published: before.published });
  });

  it("AggregateRoot.commit() inside run: the integration event joins the transaction, the domain event reaches its handler", async () => {
    const tx = app.get(OutboxTransaction);
    const room = app.get(EventPublisher).mergeObjectContext(new Room(301));
    await tx.run(async ({ manager }) => {
      await manager.insert(Booking, { id: 301, room: 'green' });
      room.book();
      room.commit();
    });
    const [event] = room.getUncommittedEvents();
    expect(event).toBeUndefined(); // committed
    await eventually(() => seen.includes('room-301'), 'the domain event reaches its handler', 5_000);
    await eventually(() => received.some((m) => m.eventName === 'room_booked' && JSON.parse(m.body.toString()).payload.bookingId === 301), 'the integration event is relayed', 10_000);
  });

  it('after run has returned, a late publish from work it left running gets a transaction of its own instead of a closed one', async () => {
    const tx = app.get(OutboxTransaction);
    let late!: Promise<unknown>;
    await tx.run(async () => {
      // The timer keeps run's async context: without the closed check, the event would join a transaction already committed.
      late = new Promise((resolve) => setTimeout(() => resolve(app.get(EventBus).publish(booked(401, 'late'))), 50));
    });
    expect(tx.current()).toBeUndefined();
    await late;
    await eventually(() => received.some((m) => m.key === 'late'), 'the late event is relayed', 10_000);
  });
});
