import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { CqrsBrokerModule, HandlesRequest, Request, RequestMediator, type RequestHandler } from 'nestjs-cqrs-broker';
import { OutboxAdmin, OutboxModule, OutboxRelay, OutboxRelayServer, OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
import { databaseNamed, databases, dropTable, uniqueTable } from './databases.js';
import { booked, bookingEntity, eventually, idsOf, openOutbox, recordingBroker, type TestOutbox } from './harness.js';

const bookings = uniqueTable('mod_bookings');
const Booking = bookingEntity(bookings);

class BookRoom extends Request<string> {
  constructor(
    readonly bookingId: number,
    readonly room: string,
  ) {
    super();
  }
}

/** The short path: the booking row and its event commit together, in a few lines. */
@HandlesRequest(BookRoom)
@Injectable()
class BookRoomHandler implements RequestHandler<BookRoom> {
  constructor(private readonly outbox: OutboxTransaction) {}

  handle(command: BookRoom): Promise<string> {
    return this.outbox.run(async (tx) => {
      await tx.manager.insert(Booking, { id: command.bookingId, room: command.room });
      const event = booked(command.bookingId, command.room);
      tx.add(event);
      return event.eventId;
    });
  }
}

describe.each(databases)('OutboxModule on $name', (db) => {
  const table = uniqueTable('mod');
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true, extraEntities: [Booking] });
  });
  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await dropTable(outbox.dataSource, bookings);
    await outbox.close();
  });

  const appModule = (imports: DynamicModule[], providers: Function[] = []) => {
    @Module({ imports, providers: providers as never })
    class AppModule {}
    return AppModule;
  };

  it('in an app, a command handler writes its row and its event atomically and the in-app relay publishes it on commit', async () => {
    const { broker, received } = recordingBroker();
    const app = await NestFactory.createApplicationContext(
      appModule(
        [
          CqrsBrokerModule.forRoot({ broker }),
          OutboxModule.forRootAsync({
            useFactory: () => ({ dataSource: outbox.dataSource, tableName: table, relay: { pollIntervalMs: 600_000 } }),
          }),
        ],
        [BookRoomHandler],
      ),
      { logger: false },
    );
    try {
      expect(app.get(OutboxRelay).running).toBe(true);
      const eventId = await app.get(RequestMediator).send(new BookRoom(1, 'blue'));
      await eventually(() => received.length === 1, 'the event is published', 5_000);
      expect(idsOf(received)).toEqual([eventId]);
      expect(received[0].key).toBe('blue');
      expect(await outbox.dataSource.getRepository(Booking).countBy({ id: 1 })).toBe(1);

      // The same insert again breaks the primary key: no event may escape.
      await expect(app.get(RequestMediator).send(new BookRoom(1, 'blue'))).rejects.toThrow();
      expect(await app.get(OutboxAdmin).stats()).toMatchObject({ pending: 0, published: 1, dead: 0 });
    } finally {
      await app.close();
    }
    expect(app.get(OutboxRelay).running).toBe(false);
  });

  it('with ScheduleModule, the retention purge is a job in SchedulerRegistry for as long as the relay runs', async () => {
    const app = await NestFactory.createApplicationContext(
      appModule([ScheduleModule.forRoot(), CqrsBrokerModule.forRoot({}), OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table })]),
      { logger: false },
    );
    const registry = app.get(SchedulerRegistry);
    const purgeJobs = () => registry.getIntervals().filter((name) => name.startsWith(`outbox-purge:${table}:`));
    try {
      expect(purgeJobs()).toHaveLength(1);
    } finally {
      await app.close();
    }
    expect(purgeJobs()).toHaveLength(0);
  });

  it('as a microservice, OutboxRelayServer starts the relay on listen and stops it on close', async () => {
    const ids = await outbox.transaction.run(async (tx) => {
      const events = [booked(1), booked(2)];
      tx.add(...events);
      return events.map((e) => e.eventId);
    });
    const { broker, received } = recordingBroker();
    const app = await NestFactory.createMicroservice(
      appModule([CqrsBrokerModule.forRoot({ broker }), OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, relay: { enabled: false } })]),
      { strategy: new OutboxRelayServer(), logger: false },
    );
    const relay = app.get(OutboxRelay);
    try {
      await app.init();
      expect(relay.running).toBe(false);
      await app.listen();
      expect(relay.running).toBe(true);
      await eventually(() => received.length === 2, 'the server relay published the backlog', 5_000);
      expect(idsOf(received)).toEqual(ids);
    } finally {
      await app.close();
    }
    expect(relay.running).toBe(false);
  });
});

describe('OutboxModule on postgres across processes', () => {
  const db = databaseNamed('postgres');
  const table = uniqueTable('notify');

  it('a commit in another process wakes the relay through LISTEN/NOTIFY', async () => {
    // Two data sources, two outboxes: nothing in-process links the writer to the relay.
    const relaySide = await openOutbox(db, table, { synchronize: true });
    const writerSide = await openOutbox(db, table);
    try {
      const { broker, received } = recordingBroker();
      const relay = relaySide.relay(broker, { pollIntervalMs: 600_000 });
      relay.start();
      await writerSide.transaction.run(async (tx) => tx.add(booked(1)));
      await eventually(() => received.length === 1, 'the first event is published', 5_000);
      const second = booked(2);
      await writerSide.transaction.run(async (tx) => tx.add(second));
      await eventually(() => received.length === 2, 'the event committed elsewhere is published', 5_000);
      expect(received[1].eventId).toBe(second.eventId);
    } finally {
      await dropTable(relaySide.dataSource, table);
      await writerSide.close();
      await relaySide.close();
    }
  });
});
