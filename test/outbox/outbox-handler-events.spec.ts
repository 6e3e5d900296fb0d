import { Injectable, Module, Scope } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CqrsBrokerModule,
  HandlesRequest,
  IntegrationEventOutsideOutboxException,
  Request,
  RequestMediator,
  type RequestHandler,
} from 'nestjs-cqrs-broker';
import { OutboxAdmin, OutboxModule, OutboxRelay, type OutboxHandlerEventsPolicy } from 'nestjs-cqrs-broker/outbox';
import { databaseNamed, dropTable, uniqueTable } from './databases.js';
import { booked, bookingEntity, eventually, idsOf, openOutbox, recordingBroker, type TestOutbox } from './harness.js';

const bookings = uniqueTable('hev_bookings');
const Booking = bookingEntity(bookings);

class BookRoom extends Request<string> {
  constructor(readonly bookingId: number) {
    super();
  }
}

@Injectable()
class TestOutboxHolder {
  dataSource!: TestOutbox['dataSource'];
}

/** The easy mistake: the row is written in its own transaction, the event is only left in `events`. */
@HandlesRequest(BookRoom)
@Injectable({ scope: Scope.TRANSIENT })
class BookRoomLeavingEventHandler implements RequestHandler<BookRoom> {
  readonly events: object[] = [];
  constructor(private readonly outbox: TestOutboxHolder) {}

  async handle(command: BookRoom): Promise<string> {
    await this.outbox.dataSource.getRepository(Booking).insert({ id: command.bookingId, room: 'blue' });
    const event = booked(command.bookingId, 'blue');
    this.events.push(event);
    return event.eventId;
  }
}

// SQLite: the policy is database-independent (it routes through OutboxRepository like every write).
const sqlite = databaseNamed('sqlite');

describe('integration events left in a handler\'s events while an outbox is configured', () => {
  const table = uniqueTable('hev');
  let outbox: TestOutbox;
  let nextId = 1;

  beforeAll(async () => {
    outbox = await openOutbox(sqlite, table, { synchronize: true, extraEntities: [Booking] });
  });
  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await dropTable(outbox.dataSource, bookings);
    await outbox.close();
  });

  async function app(handlerEvents: OutboxHandlerEventsPolicy | undefined) {
    const { broker, received } = recordingBroker();
    const holder = new TestOutboxHolder();
    holder.dataSource = outbox.dataSource;
    @Module({
      imports: [
        CqrsBrokerModule.forRoot({ broker }),
        OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, handlerEvents, relay: { enabled: false } }),
      ],
      providers: [BookRoomLeavingEventHandler, { provide: TestOutboxHolder, useValue: holder }],
    })
    class AppModule {}
    const context = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    return { context, received, send: () => context.get(RequestMediator).send(new BookRoom(nextId++)) };
  }

  it("by default ('outbox') go through the outbox: a row is written after the handler returned and the relay publishes it", async () => {
    const { context, received, send } = await app(undefined);
    try {
      const before = await context.get(OutboxAdmin).stats();
      const eventId = await send();
      expect(received).toEqual([]); // nothing bypassed the outbox
      expect((await context.get(OutboxAdmin).stats()).pending).toBe(before.pending + 1);
      context.get(OutboxRelay).start();
      await eventually(() => received.length === 1, 'the relay publishes the event', 5_000);
      expect(idsOf(received)).toEqual([eventId]);
    } finally {
      await context.close();
    }
  });

  it("'broker' publishes them at once, bypassing the outbox", async () => {
    const { context, received, send } = await app('broker');
    try {
      const before = await context.get(OutboxAdmin).stats();
      const eventId = await send();
      await eventually(() => received.length === 1, 'the broker receives the event', 5_000);
      expect(idsOf(received)).toEqual([eventId]);
      expect(await context.get(OutboxAdmin).stats()).toMatchObject({ pending: before.pending });
    } finally {
      await context.close();
    }
  });

  it("'reject' fails the send with IntegrationEventOutsideOutboxException naming the event; nothing is written or published", async () => {
    const { context, received, send } = await app('reject');
    try {
      const before = await context.get(OutboxAdmin).stats();
      const failure = await send().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(IntegrationEventOutsideOutboxException);
      expect((failure as IntegrationEventOutsideOutboxException).eventNames).toEqual(['room_booked']);
      expect((failure as Error).message).toMatch(/OutboxTransaction/);
      expect(received).toEqual([]);
      expect(await context.get(OutboxAdmin).stats()).toMatchObject({ pending: before.pending, published: before.published });
    } finally {
      await context.close();
    }
  });

  it('an unknown policy fails at startup, naming the option', async () => {
    await expect(app('later' as OutboxHandlerEventsPolicy)).rejects.toThrow(/handlerEvents/);
  });
});
