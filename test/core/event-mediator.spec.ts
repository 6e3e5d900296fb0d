import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import {
  CqrsBrokerModule,
  DomainEvent,
  EventHandler,
  EventMediator,
  EventSerializer,
  HandlesEvent,
  IntegrationEvent,
  NotificationEvent,
  type BrokerMessage,
  type MessageBroker,
  type Middleware,
  type MiddlewareContext,
  type NextFunction,
} from 'nestjs-cqrs-broker';

class RecordingBroker implements MessageBroker {
  readonly batches: BrokerMessage[][] = [];
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.batches.push([...messages]);
  }
}

class RoomClosedPayload {
  @IsString() room_id!: string;
}

@IntegrationEvent({ name: 'room_closed', topic: 'rooms', payload: RoomClosedPayload })
class RoomClosed extends NotificationEvent<RoomClosedPayload> {}

@IntegrationEvent({ name: 'room_archived', topic: 'rooms' })
class RoomArchived extends NotificationEvent<{ room_id: string }> {}

class MembersNotified extends DomainEvent {
  constructor(readonly roomId: string) {
    super();
  }
}

const log: string[] = [];

@HandlesEvent(RoomClosed)
@Injectable()
class CancelBookings implements EventHandler<RoomClosed> {
  handle(event: RoomClosed): void {
    log.push(`cancel:${event.payload.room_id}`);
  }
}

@HandlesEvent(RoomClosed)
@Injectable()
class RefundDeposits implements EventHandler<RoomClosed> {
  async handle(event: RoomClosed): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.push(`refund:${event.payload.room_id}`);
  }
}

@HandlesEvent(RoomArchived)
@Injectable()
class PurgeArchive implements EventHandler<RoomArchived> {
  handle(event: RoomArchived): void {
    log.push(`purge:${event.payload.room_id}`);
  }
}

/** Produces a domain event and a notification while handling a bus event. */
@HandlesEvent(RoomClosed)
@Injectable({ scope: Scope.TRANSIENT })
class NotifyMembers implements EventHandler<RoomClosed> {
  readonly events: object[] = [];
  handle(event: RoomClosed): void {
    this.events.push(new MembersNotified(event.payload.room_id));
    this.events.push(new RoomArchived({ payload: { room_id: event.payload.room_id } }));
  }
}

@HandlesEvent(MembersNotified)
@Injectable()
class RecordNotified implements EventHandler<MembersNotified> {
  handle(event: MembersNotified): void {
    log.push(`notified:${event.roomId}`);
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

const roomClosed = (roomId: string) => new RoomClosed({ payload: Object.assign(new RoomClosedPayload(), { room_id: roomId }) });

describe('EventMediator', () => {
  beforeEach(() => {
    log.length = 0;
  });

  it('runs every handler of the event\'s class, only those, and returns how many ran', async () => {
    const app = await boot({}, [CancelBookings, RefundDeposits, PurgeArchive]);
    await expect(app.get(EventMediator).send(roomClosed('r1'))).resolves.toBe(2);
    expect(log).toEqual(['cancel:r1', 'refund:r1']);
  });

  it('returns 0 for an event no handler is bound to', async () => {
    const app = await boot({}, [CancelBookings]);
    await expect(app.get(EventMediator).send(new RoomArchived({ payload: { room_id: 'r1' } }))).resolves.toBe(0);
    expect(log).toEqual([]);
  });

  it('hands an event read from python-cqrs JSON to the handlers of its @IntegrationEvent class', async () => {
    const app = await boot({}, [CancelBookings]);
    const event = await app
      .get(EventSerializer)
      .fromBody('{"event_id":"e-1","event_timestamp":"2023-03-06T12:11:35.103792","event_name":"room_closed","topic":"rooms","payload":{"room_id":"r9"}}');
    await expect(app.get(EventMediator).send(event)).resolves.toBe(1);
    expect(log).toEqual(['cancel:r9']);
  });

  it('lets a handler\'s error propagate to the caller, so the consumer can retry or dead-letter', async () => {
    const failure = new Error('bookings database down');
    @HandlesEvent(RoomClosed)
    @Injectable()
    class FailingHandler implements EventHandler<RoomClosed> {
      handle(): void {
        throw failure;
      }
    }
    const app = await boot({}, [FailingHandler]);
    await expect(app.get(EventMediator).send(roomClosed('r1'))).rejects.toBe(failure);
  });

  it('runs the middleware chain around each handler with kind "event"', async () => {
    const seen: string[] = [];
    const recorder: Middleware = {
      async handle(message: object, next: NextFunction, context: MiddlewareContext) {
        seen.push(`${context.kind}:${context.messageType.name}->${context.handlerType.name}:${(message as RoomClosed).eventId}`);
        return next(message);
      },
    };
    const app = await boot({ middlewares: [recorder] }, [CancelBookings, RefundDeposits]);
    const event = roomClosed('r1');
    await app.get(EventMediator).send(event);
    expect(seen).toEqual([`event:RoomClosed->CancelBookings:${event.eventId}`, `event:RoomClosed->RefundDeposits:${event.eventId}`]);
    expect(log).toEqual(['cancel:r1', 'refund:r1']);
  });

  it('emits the events its handlers produced: domain events in-process, notifications to the broker', async () => {
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [NotifyMembers, RecordNotified]);
    await expect(app.get(EventMediator).send(roomClosed('r1'))).resolves.toBe(1);
    expect(log).toEqual(['notified:r1']);
    expect(broker.batches).toHaveLength(1);
    expect(broker.batches[0].map((m) => [m.eventName, JSON.parse(m.body.toString()).payload])).toEqual([['room_archived', { room_id: 'r1' }]]);
  });

  it('emits none of the produced events when a later handler fails, so a retry does not duplicate them', async () => {
    @HandlesEvent(RoomClosed)
    @Injectable()
    class FailingHandler implements EventHandler<RoomClosed> {
      handle(): void {
        throw new Error('boom');
      }
    }
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [NotifyMembers, FailingHandler, RecordNotified]);
    await expect(app.get(EventMediator).send(roomClosed('r1'))).rejects.toThrow('boom');
    expect(broker.batches).toEqual([]);
    expect(log).toEqual([]);
  });
});
