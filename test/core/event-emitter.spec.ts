import type { MockInstance } from 'vitest';
import { Injectable, Logger, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CqrsBrokerModule,
  DomainEvent,
  ECSTEvent,
  EventEmitter,
  EventHandler,
  EventMap,
  HandlesEvent,
  IntegrationEvent,
  NotificationEvent,
  type BrokerMessage,
  type MessageBroker,
} from 'nestjs-cqrs-broker';

/** Records what reaches the broker; the MessageBroker interface is the boundary under test here. */
class RecordingBroker implements MessageBroker {
  readonly batches: BrokerMessage[][] = [];
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.batches.push([...messages]);
  }
}

class UserJoined extends DomainEvent {
  constructor(readonly userId: string) {
    super();
  }
}
class WelcomeSent extends DomainEvent {
  constructor(readonly userId: string) {
    super();
  }
}

@IntegrationEvent({ name: 'user_joined', topic: 'user_notification_events' })
class UserJoinedNotification extends NotificationEvent<{ user_id: string }> {}

@IntegrationEvent({ name: 'user_state', topic: 'user_state_events' })
class UserState extends ECSTEvent<{ user_id: string; rooms: number }> {}

const log: string[] = [];

@HandlesEvent(UserJoined)
@Injectable()
class AuditOnJoin implements EventHandler<UserJoined> {
  handle(event: UserJoined): void {
    log.push(`audit:${event.userId}`);
  }
}

/** Bound through an EventMap, not a decorator. */
@Injectable()
class CountOnJoin implements EventHandler<UserJoined> {
  handle(event: UserJoined): void {
    log.push(`count:${event.userId}`);
  }
}

@HandlesEvent(UserJoined)
@Injectable()
class FailingOnJoin implements EventHandler<UserJoined> {
  handle(): void {
    throw new Error('mail server down');
  }
}

/** Produces a domain event and a notification from a domain event. */
@HandlesEvent(UserJoined)
@Injectable({ scope: Scope.TRANSIENT })
class WelcomeOnJoin implements EventHandler<UserJoined> {
  readonly events: object[] = [];
  handle(event: UserJoined): void {
    this.events.push(new WelcomeSent(event.userId));
    this.events.push(new UserJoinedNotification({ payload: { user_id: event.userId } }));
  }
}

@HandlesEvent(WelcomeSent)
@Injectable()
class RecordWelcome implements EventHandler<WelcomeSent> {
  handle(event: WelcomeSent): void {
    log.push(`welcome:${event.userId}`);
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

const bodyOf = (message: BrokerMessage) => JSON.parse(message.body.toString('utf8'));

describe('EventEmitter', () => {
  let errors: MockInstance<Logger['error']>;

  beforeEach(() => {
    log.length = 0;
    errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('delivers a domain event to every handler bound to its class, by @HandlesEvent and by EventMap', async () => {
    const app = await boot({ events: new EventMap().bind(UserJoined, CountOnJoin) }, [AuditOnJoin, CountOnJoin]);
    await app.get(EventEmitter).emit([new UserJoined('u1'), new UserJoined('u2')]);
    expect([...log].sort()).toEqual(['audit:u1', 'audit:u2', 'count:u1', 'count:u2']);
  });

  it('does not deliver an event to handlers of other event classes', async () => {
    const app = await boot({}, [AuditOnJoin, RecordWelcome]);
    await app.get(EventEmitter).emit([new WelcomeSent('u1')]);
    expect(log).toEqual(['welcome:u1']);
  });

  it('keeps running the other handlers when one fails, and logs the failure with the event id', async () => {
    const app = await boot({ events: new EventMap().bind(UserJoined, CountOnJoin) }, [FailingOnJoin, AuditOnJoin, CountOnJoin]);
    const event = new UserJoined('u1');
    await expect(app.get(EventEmitter).emit([event, new UserJoined('u2')])).resolves.toBeUndefined();
    expect([...log].sort()).toEqual(['audit:u1', 'audit:u2', 'count:u1', 'count:u2']);
    const failures = errors.mock.calls.map((call) => String(call[0]));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain(event.eventId);
    expect(failures[0]).toMatch(/FailingOnJoin failed on UserJoined .*mail server down/);
  });

  it('routes the events that domain event handlers produce, cascading to further handlers and the broker', async () => {
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [WelcomeOnJoin, RecordWelcome]);
    await app.get(EventEmitter).emit([new UserJoined('u1')]);
    expect(log).toEqual(['welcome:u1']);
    expect(broker.batches).toHaveLength(1);
    expect(broker.batches[0].map((m) => [m.topic, bodyOf(m).payload])).toEqual([['user_notification_events', { user_id: 'u1' }]]);
  });

  it('sends all notification and ECST events of one emit to the broker in one batch, in order', async () => {
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [AuditOnJoin]);
    const notification = new UserJoinedNotification({ payload: { user_id: 'u1' } });
    const state = new UserState({ payload: { user_id: 'u1', rooms: 2 } });
    await app.get(EventEmitter).emit([notification, new UserJoined('u1'), state]);
    expect(log).toEqual(['audit:u1']);
    expect(broker.batches).toHaveLength(1);
    const [batch] = broker.batches;
    expect(batch.map((m) => m.eventId)).toEqual([notification.eventId, state.eventId]);
    expect(batch.map((m) => m.topic)).toEqual(['user_notification_events', 'user_state_events']);
    expect(bodyOf(batch[1])).toEqual({
      event_id: state.eventId,
      event_timestamp: state.eventTimestamp.toISOString(),
      event_name: 'user_state',
      topic: 'user_state_events',
      payload: { user_id: 'u1', rooms: 2 },
    });
  });

  it('does not call the broker when no notification or ECST event was emitted', async () => {
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [AuditOnJoin]);
    await app.get(EventEmitter).emit([new UserJoined('u1')]);
    await app.get(EventEmitter).emit([]);
    expect(broker.batches).toEqual([]);
  });

  it('fails with an error naming a cycle when handlers keep producing each other\'s events, instead of looping forever', async () => {
    class Ping extends DomainEvent {}
    class Pong extends DomainEvent {}
    @HandlesEvent(Ping)
    @Injectable({ scope: Scope.TRANSIENT })
    class PingHandler implements EventHandler<Ping> {
      readonly events: object[] = [];
      handle(): void {
        this.events.push(new Pong());
      }
    }
    @HandlesEvent(Pong)
    @Injectable({ scope: Scope.TRANSIENT })
    class PongHandler implements EventHandler<Pong> {
      readonly events: object[] = [];
      handle(): void {
        this.events.push(new Ping());
      }
    }
    const broker = new RecordingBroker();
    const app = await boot({ broker }, [PingHandler, PongHandler]);
    await expect(app.get(EventEmitter).emit([new Ping()])).rejects.toThrow(/cascaded from one emit.*cycle/);
    expect(broker.batches).toEqual([]);
  }, 20_000);
});
