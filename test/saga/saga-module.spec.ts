import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsBrokerModule } from 'nestjs-cqrs-broker';
import { OutboxModule } from 'nestjs-cqrs-broker/outbox';
import {
  ConfigurationException,
} from 'nestjs-cqrs-broker';
import {
  DefineSaga,
  Saga,
  SagaMediator,
  SagaModule,
  SagaNotRegisteredException,
  SagaState,
  createSagaLogEntity,
  type SagaStep,
  type SagaStepContext,
} from 'nestjs-cqrs-broker/saga';
import { EntitySchema } from 'typeorm';
import { databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { booked, openOutbox, recordingBroker, type TestOutbox } from '../outbox/harness.js';
import { FAST_RETRY } from './saga-harness.js';

interface Reservation {
  key: string;
  room: string;
}

const reservationsTable = uniqueTable('saga_res');
const Reservation = new EntitySchema<Reservation>({
  name: `Reservation:${reservationsTable}`,
  tableName: reservationsTable,
  columns: { key: { type: 'varchar', length: 255, primary: true }, room: { type: 'varchar', length: 64 } },
});

interface BookingContext {
  room: string;
  bookingId: number;
  failAt?: 'notify';
  reservationKey?: string;
}

/** A plain provider the steps depend on: steps get DI like any provider. */
@Injectable()
class RoomDirectory {
  readonly released: string[] = [];
}

@Injectable()
class ReserveRoom implements SagaStep<BookingContext> {
  constructor(private readonly rooms: RoomDirectory) {}

  async act(context: BookingContext, step: SagaStepContext) {
    // Written in the step's transaction, keyed by the step's idempotency key.
    await step.manager.insert(Reservation, { key: step.idempotencyKey, room: context.room });
    step.emit(booked(context.bookingId, context.room));
    return { reservationKey: step.idempotencyKey };
  }

  async compensate(context: BookingContext, step: SagaStepContext) {
    await step.manager.delete(Reservation, { key: context.reservationKey });
    this.rooms.released.push(context.room);
  }
}

@Injectable()
class NotifyAttendees implements SagaStep<BookingContext> {
  async act(context: BookingContext, step: SagaStepContext) {
    // Its row and its event roll back with the failure: neither survives.
    await step.manager.insert(Reservation, { key: step.idempotencyKey, room: context.room });
    step.emit(booked(context.bookingId + 1000, context.room));
    if (context.failAt === 'notify') throw new Error('mail server said no');
  }
}

@DefineSaga({ name: 'book-room', steps: [ReserveRoom, NotifyAttendees] })
class BookRoom extends Saga<BookingContext> {}

/** Bound explicitly through SagaModule's `sagas`, not a provider. */
@DefineSaga({ name: 'reserve-only', steps: [{ step: ReserveRoom, name: 'reserve' }] })
class ReserveOnly extends Saga<BookingContext> {}

describe.each(databases)('SagaModule on $name', (db) => {
  const outboxTable = uniqueTable('saga_ob');
  const sagaTable = uniqueTable('saga_mod');
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = await openOutbox(db, outboxTable, {
      synchronize: true,
      extraEntities: [Reservation, createSagaLogEntity({ databaseType: db.type, tableName: sagaTable }) as EntitySchema<any>],
    });
  });
  afterAll(async () => {
    for (const table of [outboxTable, sagaTable, reservationsTable]) await dropTable(outbox.dataSource, table);
    await outbox.close();
  });

  const createApp = async (extraImports: DynamicModule[] = [], providers: Function[] = [BookRoom, ReserveRoom, NotifyAttendees, RoomDirectory]) => {
    @Module({
      imports: [
        CqrsBrokerModule.forRoot({ broker: recordingBroker().broker }),
        OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: outboxTable, relay: { enabled: false } }),
        SagaModule.forRoot({ dataSource: outbox.dataSource, tableName: sagaTable, sagas: [ReserveOnly], retry: { ...FAST_RETRY, maxAttempts: 2 } }),
        ...extraImports,
      ],
      providers: providers as never,
    })
    class AppModule {}
    return NestFactory.createApplicationContext(AppModule, { logger: false });
  };

  const outboxCount = async () => Number((await outbox.dataSource.query(`SELECT COUNT(*) AS n FROM ${outbox.dataSource.driver.escape(outboxTable)}`))[0].n);

  it('finds a @DefineSaga provider, resolves its steps from DI, and commits each step\'s rows and events with its log entry', async () => {
    const app = await createApp();
    try {
      const before = await outboxCount();
      const saga = await app.get(SagaMediator).start(BookRoom, { room: 'blue', bookingId: 1 }, { id: `${db.name}-ok` });
      expect(saga.state).toBe(SagaState.Completed);
      expect(saga.context.reservationKey).toBe(`${db.name}-ok:ReserveRoom`);
      expect(await outbox.dataSource.getRepository(Reservation).countBy({ room: 'blue' })).toBe(2);
      expect(await outboxCount()).toBe(before + 2);
    } finally {
      await app.close();
    }
  });

  it('a failing step rolls back its own rows and events; the compensation undoes the completed step\'s rows with the provider it injected', async () => {
    const app = await createApp();
    try {
      const before = await outboxCount();
      const saga = await app.get(SagaMediator).start(BookRoom, { room: 'green', bookingId: 2, failAt: 'notify' });
      expect(saga.state).toBe(SagaState.Compensated);
      expect(saga.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
        ['ReserveRoom', 'compensated', 1],
        ['NotifyAttendees', 'failed', 2],
      ]);
      expect(await outbox.dataSource.getRepository(Reservation).countBy({ room: 'green' })).toBe(0);
      // Only ReserveRoom's event: NotifyAttendees' two attempts left nothing in the outbox.
      expect(await outboxCount()).toBe(before + 1);
      expect(app.get(RoomDirectory).released).toEqual(['green']);
    } finally {
      await app.close();
    }
  });

  it('runs a saga bound explicitly under its step names, and dispatch returns the id at once while the saga runs on', async () => {
    const app = await createApp();
    try {
      const mediator = app.get(SagaMediator);
      const id = await mediator.dispatch(ReserveOnly, { room: 'red', bookingId: 3 });
      let saga = await mediator.get<BookingContext>(id);
      for (let i = 0; i < 200 && saga?.state !== SagaState.Completed; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        saga = await mediator.get<BookingContext>(id);
      }
      expect(saga).toMatchObject({ state: SagaState.Completed, steps: [{ name: 'reserve', status: 'completed', attempts: 1 }] });
      expect(await mediator.get('no-such-saga')).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('refuses what it cannot run: an unregistered saga, a step that is not a provider', async () => {
    const app = await createApp();
    try {
      @DefineSaga({ name: 'unknown', steps: [ReserveRoom] })
      class Unknown extends Saga<BookingContext> {}
      await expect(app.get(SagaMediator).start(Unknown, { room: 'x', bookingId: 4 })).rejects.toBeInstanceOf(SagaNotRegisteredException);
    } finally {
      await app.close();
    }
    await expect(createApp([], [BookRoom, ReserveRoom, RoomDirectory])).rejects.toThrow(ConfigurationException);
    await expect(createApp([], [BookRoom, ReserveRoom, RoomDirectory])).rejects.toThrow('Step NotifyAttendees of saga "book-room" is not a provider');
  });
});
