import type { MockInstance } from 'vitest';
import { Injectable, Logger, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt } from 'class-validator';
import {
  CircuitBreakers,
  ConfigurationException,
  CqrsBrokerModule,
  DomainEvent,
  EventEmitter,
  EventMap,
  EventMediator,
  HandlesEvent,
  HandlesRequest,
  InvalidOptionException,
  Request,
  RequestMap,
  RequestMediator,
  RequestValidationException,
  StreamRequest,
  TimeoutException,
  ValidationMiddleware,
  type ChainedRequestHandler,
  type CircuitBreakerStateChange,
  type EventHandler,
  type NextRequestHandler,
  type RequestHandler,
  type StreamRequestHandler,
} from 'nestjs-cqrs-broker';

/** What each handler did, in order. */
const calls: string[] = [];
/** How the primary handlers behave on their next calls. */
let primaryFails: (() => Error) | undefined;

class ReadRoom extends Request<string> {
  @IsInt() roomId: number;
  constructor(roomId: number) {
    super();
    this.roomId = roomId;
  }
}

@Injectable()
class ReadRoomFromCache implements RequestHandler<ReadRoom> {
  handle(query: ReadRoom): string {
    calls.push(`cache:${query.roomId}`);
    return `cached room ${query.roomId}`;
  }
}

@HandlesRequest(ReadRoom, { fallback: { handler: ReadRoomFromCache, on: [TimeoutException] } })
@Injectable()
class ReadRoomFromDatabase implements RequestHandler<ReadRoom> {
  async handle(query: ReadRoom): Promise<string> {
    calls.push(`db:${query.roomId}`);
    if (primaryFails) throw primaryFails();
    return `room ${query.roomId}`;
  }
}

const timeout = () => new TimeoutException('query timed out', 1000);

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('a request handler with a fallback', () => {
  let warn: MockInstance<Logger['warn']>;
  let log: MockInstance<Logger['log']>;

  beforeEach(() => {
    calls.length = 0;
    primaryFails = undefined;
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers with the handler while it succeeds; the fallback is not called', async () => {
    const app = await boot({}, [ReadRoomFromDatabase, ReadRoomFromCache]);
    await expect(app.get(RequestMediator).send(new ReadRoom(7))).resolves.toBe('room 7');
    expect(calls).toEqual(['db:7']);
  });

  it('answers with the fallback when the handler fails with an error named in `on`, and logs why', async () => {
    const app = await boot({}, [ReadRoomFromDatabase, ReadRoomFromCache]);
    primaryFails = timeout;
    await expect(app.get(RequestMediator).send(new ReadRoom(7))).resolves.toBe('cached room 7');
    expect(calls).toEqual(['db:7', 'cache:7']);
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines).toEqual(['ReadRoomFromDatabase failed on ReadRoom (TimeoutException: query timed out); ReadRoomFromCache answers instead.']);
  });

  it('lets an error not named in `on` propagate as it is, without calling the fallback', async () => {
    const app = await boot({}, [ReadRoomFromDatabase, ReadRoomFromCache]);
    const notFound = new Error('room 7 does not exist');
    primaryFails = () => notFound;
    await expect(app.get(RequestMediator).send(new ReadRoom(7))).rejects.toBe(notFound);
    expect(calls).toEqual(['db:7']);
  });

  it('falls back on every error when `on` is left out', async () => {
    @Injectable()
    class AnyErrorFallback implements RequestHandler<ReadRoom> {
      handle(): string {
        return 'fallback';
      }
    }
    @Injectable()
    class Plain implements RequestHandler<ReadRoom> {
      handle(): string {
        throw new RangeError('anything');
      }
    }
    const map = new RequestMap().bind(ReadRoom, Plain, { fallback: { handler: AnyErrorFallback } });
    const app = await boot({ requests: map }, [Plain, AnyErrorFallback]);
    await expect(app.get(RequestMediator).send(new ReadRoom(1))).resolves.toBe('fallback');
  });

  it('runs inside the middleware chain: an invalid request is refused once, before either handler runs', async () => {
    const app = await boot({ middlewares: [ValidationMiddleware] }, [ReadRoomFromDatabase, ReadRoomFromCache]);
    primaryFails = timeout;
    await expect(app.get(RequestMediator).send(new ReadRoom('x' as unknown as number))).rejects.toBeInstanceOf(RequestValidationException);
    expect(calls).toEqual([]);
    await expect(app.get(RequestMediator).send(new ReadRoom(3))).resolves.toBe('cached room 3');
  });

  it('propagates the fallback\'s own error when the fallback fails too', async () => {
    const down = new Error('cache down as well');
    @Injectable()
    class FailingCache implements RequestHandler<ReadRoom> {
      handle(): string {
        throw down;
      }
    }
    @Injectable()
    class Db implements RequestHandler<ReadRoom> {
      handle(): string {
        throw timeout();
      }
    }
    const app = await boot({ requests: new RequestMap().bind(ReadRoom, Db, { fallback: { handler: FailingCache } }) }, [Db, FailingCache]);
    await expect(app.get(RequestMediator).send(new ReadRoom(1))).rejects.toBe(down);
  });

  it('emits the events of the handler that answered: the fallback\'s, not those the failed handler had kept', async () => {
    class RoomRead extends DomainEvent {
      constructor(readonly by: string) {
        super();
      }
    }
    const seen: string[] = [];
    @HandlesEvent(RoomRead)
    @Injectable()
    class RecordRead implements EventHandler<RoomRead> {
      handle(event: RoomRead): void {
        seen.push(event.by);
      }
    }
    @Injectable({ scope: Scope.TRANSIENT })
    class CacheWithEvents implements RequestHandler<ReadRoom> {
      readonly events: DomainEvent[] = [];
      handle(): string {
        this.events.push(new RoomRead('cache'));
        return 'cached';
      }
    }
    @Injectable({ scope: Scope.TRANSIENT })
    class DbWithEvents implements RequestHandler<ReadRoom> {
      readonly events: DomainEvent[] = [];
      handle(query: ReadRoom): string {
        this.events.push(new RoomRead('db'));
        if (query.roomId < 0) throw timeout();
        return 'fresh';
      }
    }
    const requests = new RequestMap().bind(ReadRoom, DbWithEvents, { fallback: { handler: CacheWithEvents } });
    const app = await boot({ requests }, [DbWithEvents, CacheWithEvents, RecordRead]);
    const mediator = app.get(RequestMediator);
    await expect(mediator.send(new ReadRoom(-1))).resolves.toBe('cached');
    expect(seen).toEqual(['cache']);
    await expect(mediator.send(new ReadRoom(1))).resolves.toBe('fresh');
    expect(seen).toEqual(['cache', 'db']);
  });

  it('resolves a request-scoped fallback in the send\'s DI scope (scopePerSend), only when it is needed', async () => {
    let created = 0;
    @Injectable({ scope: Scope.REQUEST })
    class UnitOfWork {
      readonly id = ++created;
    }
    const used: string[] = [];
    @Injectable({ scope: Scope.TRANSIENT })
    class Primary implements RequestHandler<ReadRoom> {
      constructor(private readonly uow: UnitOfWork) {}
      handle(query: ReadRoom): string {
        used.push(`primary:${this.uow.id}`);
        if (query.roomId < 0) throw timeout();
        return 'primary';
      }
    }
    let fallbacksCreated = 0;
    @Injectable({ scope: Scope.TRANSIENT })
    class Fallback implements RequestHandler<ReadRoom> {
      constructor(private readonly uow: UnitOfWork) {
        fallbacksCreated++;
      }
      handle(): string {
        used.push(`fallback:${this.uow.id}`);
        return 'fallback';
      }
    }
    const requests = new RequestMap().bind(ReadRoom, Primary, { fallback: { handler: Fallback } });
    const app = await boot({ requests, scopePerSend: true }, [Primary, Fallback, UnitOfWork]);
    const mediator = app.get(RequestMediator);
    await mediator.send(new ReadRoom(1));
    expect(fallbacksCreated).toBe(0);
    await mediator.send(new ReadRoom(-1));
    expect(used).toEqual(['primary:1', 'primary:2', 'fallback:2']);
  });

  describe('and a circuit breaker', () => {
    @Injectable()
    class Cache implements RequestHandler<ReadRoom> {
      handle(query: ReadRoom): string {
        calls.push(`cache:${query.roomId}`);
        return 'cached';
      }
    }
    @Injectable()
    class Database implements RequestHandler<ReadRoom> {
      async handle(query: ReadRoom): Promise<string> {
        calls.push(`db:${query.roomId}`);
        if (primaryFails) throw primaryFails();
        return 'fresh';
      }
    }
    const bootWithBreaker = (halfOpenAfterMs = 60_000) =>
      boot(
        {
          requests: new RequestMap().bind(ReadRoom, Database, {
            fallback: { handler: Cache, on: [TimeoutException], breaker: { consecutiveFailures: 3, halfOpenAfterMs } },
          }),
        },
        [Database, Cache],
      );

    it('opens after N consecutive failures: from then on the fallback answers without the handler being called', async () => {
      const app = await bootWithBreaker();
      const mediator = app.get(RequestMediator);
      primaryFails = timeout;
      for (let i = 1; i <= 3; i++) await expect(mediator.send(new ReadRoom(i))).resolves.toBe('cached');
      expect(calls).toEqual(['db:1', 'cache:1', 'db:2', 'cache:2', 'db:3', 'cache:3']);
      calls.length = 0;
      primaryFails = undefined; // the database is back, but the breaker is open: it is not asked
      await expect(mediator.send(new ReadRoom(4))).resolves.toBe('cached');
      await expect(mediator.send(new ReadRoom(5))).resolves.toBe('cached');
      expect(calls).toEqual(['cache:4', 'cache:5']);
    });

    it('shows its state: a getter by handler class or name, a listener per transition, and one log line on open', async () => {
      const app = await bootWithBreaker();
      const breakers = app.get(CircuitBreakers);
      const changes: CircuitBreakerStateChange[] = [];
      breakers.onStateChange((change) => changes.push(change));
      expect(breakers.stateOf(Database)).toBe('closed');
      expect(breakers.stateOf(Cache)).toBeUndefined();
      primaryFails = timeout;
      for (let i = 1; i <= 3; i++) await app.get(RequestMediator).send(new ReadRoom(i));
      expect(breakers.stateOf('Database')).toBe('open');
      expect([...breakers.states()]).toEqual([['Database', 'open']]);
      expect(changes).toEqual([{ name: 'Database', previous: 'closed', state: 'open' }]);
      const opened = warn.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith('Circuit breaker'));
      expect(opened).toEqual([
        'Circuit breaker Database opened after 3 consecutive failure(s) (last: TimeoutException: query timed out): ' +
          'Cache answers for 60000 ms, then one call tries Database again.',
      ]);
    });

    it('does not count errors outside `on`: they propagate and the breaker stays closed', async () => {
      const app = await bootWithBreaker();
      primaryFails = () => new Error('room does not exist');
      for (let i = 1; i <= 5; i++) await expect(app.get(RequestMediator).send(new ReadRoom(i))).rejects.toThrow('room does not exist');
      expect(app.get(CircuitBreakers).stateOf(Database)).toBe('closed');
      expect(calls.filter((call) => call.startsWith('cache'))).toEqual([]);
    });

    it('a success resets the count: failures must be consecutive to open it', async () => {
      const app = await bootWithBreaker();
      const mediator = app.get(RequestMediator);
      for (const fails of [true, true, false, true, true, false]) {
        primaryFails = fails ? timeout : undefined;
        await mediator.send(new ReadRoom(1));
      }
      expect(app.get(CircuitBreakers).stateOf(Database)).toBe('closed');
    });

    it('after halfOpenAfterMs one call tries the handler again: a success closes the breaker, logged', async () => {
      const app = await bootWithBreaker(50);
      const mediator = app.get(RequestMediator);
      const breakers = app.get(CircuitBreakers);
      const states: string[] = [];
      breakers.onStateChange(({ state }) => states.push(state));
      primaryFails = timeout;
      for (let i = 1; i <= 3; i++) await mediator.send(new ReadRoom(i));
      primaryFails = undefined;
      await new Promise((resolve) => setTimeout(resolve, 80));
      calls.length = 0;
      await expect(mediator.send(new ReadRoom(9))).resolves.toBe('fresh');
      expect(calls).toEqual(['db:9']);
      expect(states).toEqual(['open', 'half-open', 'closed']);
      expect(breakers.stateOf(Database)).toBe('closed');
      const info = log.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith('Circuit breaker'));
      expect(info).toEqual(['Circuit breaker Database half-open: one call tries Database again.', 'Circuit breaker Database closed: Database answers again.']);
    });

    it('a failed trial call opens it again for another period, and the fallback answers that call', async () => {
      const app = await bootWithBreaker(50);
      const mediator = app.get(RequestMediator);
      primaryFails = timeout;
      for (let i = 1; i <= 3; i++) await mediator.send(new ReadRoom(i));
      await new Promise((resolve) => setTimeout(resolve, 80));
      calls.length = 0;
      await expect(mediator.send(new ReadRoom(9))).resolves.toBe('cached');
      expect(calls).toEqual(['db:9', 'cache:9']);
      expect(app.get(CircuitBreakers).stateOf(Database)).toBe('open');
    });
  });
});

class SeatTaken extends DomainEvent {
  constructor(readonly seat: number) {
    super();
  }
}

class MailerDown extends Error {}

const mailed: string[] = [];

@Injectable()
class QueueSeatMail implements EventHandler<SeatTaken> {
  handle(event: SeatTaken): void {
    mailed.push(`queued:${event.seat}`);
  }
}

@HandlesEvent(SeatTaken, { fallback: { handler: QueueSeatMail, on: [MailerDown], breaker: { consecutiveFailures: 2 } } })
@Injectable()
class MailSeat implements EventHandler<SeatTaken> {
  static down = false;
  handle(event: SeatTaken): void {
    if (MailSeat.down) throw new MailerDown('smtp refused');
    mailed.push(`mailed:${event.seat}`);
  }
}

describe('an event handler with a fallback', () => {
  let warn: MockInstance<Logger['warn']>;
  let error: MockInstance<Logger['error']>;

  beforeEach(() => {
    mailed.length = 0;
    MailSeat.down = false;
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('handles emitted domain events in the handler\'s place when it fails, and logs the event id', async () => {
    const app = await boot({}, [MailSeat, QueueSeatMail]);
    MailSeat.down = true;
    const event = new SeatTaken(4);
    await app.get(EventEmitter).emit([event]);
    expect(mailed).toEqual(['queued:4']);
    expect(error).not.toHaveBeenCalled();
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
      `MailSeat failed on SeatTaken (event ${event.eventId}) (MailerDown: smtp refused); QueueSeatMail answers instead.`,
    ]);
  });

  it('opens its breaker after the declared failures, then the fallback handles events alone', async () => {
    const app = await boot({}, [MailSeat, QueueSeatMail]);
    MailSeat.down = true;
    await app.get(EventEmitter).emit([new SeatTaken(1), new SeatTaken(2)]);
    expect(app.get(CircuitBreakers).stateOf(MailSeat)).toBe('open');
    MailSeat.down = false;
    await app.get(EventEmitter).emit([new SeatTaken(3)]);
    expect(mailed).toEqual(['queued:1', 'queued:2', 'queued:3']);
  });

  it('guards events from the bus too (EventMediator), where the fallback\'s success means no retry', async () => {
    const app = await boot({}, [MailSeat, QueueSeatMail]);
    MailSeat.down = true;
    await expect(app.get(EventMediator).send(new SeatTaken(8))).resolves.toBe(1);
    expect(mailed).toEqual(['queued:8']);
  });

  it('is declared once per handler class in an EventMap and guards every event the class is bound to', async () => {
    class SeatFreed extends DomainEvent {}
    const seen: string[] = [];
    @Injectable()
    class Fallback implements EventHandler<object> {
      handle(event: object): void {
        seen.push(`fallback:${event.constructor.name}`);
      }
    }
    @Injectable()
    class Flaky implements EventHandler<object> {
      handle(): void {
        throw new Error('down');
      }
    }
    const events = new EventMap().bind(SeatTaken, Flaky, { fallback: { handler: Fallback } }).bind(SeatFreed, Flaky);
    const app = await boot({ events }, [Flaky, Fallback]);
    await app.get(EventEmitter).emit([new SeatTaken(1), new SeatFreed()]);
    expect(seen).toEqual(['fallback:SeatTaken', 'fallback:SeatFreed']);
  });
});

describe('fallback declarations that cannot work are refused at startup', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  class Ask extends Request<string> {}
  @Injectable()
  class Answer implements RequestHandler<Ask> {
    handle(): string {
      return 'a';
    }
  }
  @Injectable()
  class OtherAnswer implements RequestHandler<Ask> {
    handle(): string {
      return 'b';
    }
  }

  it('a fallback on a link of a chain', async () => {
    @HandlesRequest(Ask, { order: 1, fallback: { handler: OtherAnswer } })
    @Injectable()
    class Link implements ChainedRequestHandler<Ask> {
      handle(ask: Ask, next: NextRequestHandler<Ask>) {
        return next(ask);
      }
    }
    @HandlesRequest(Ask, { order: 2 })
    @Injectable()
    class Last implements ChainedRequestHandler<Ask> {
      handle(): string {
        return 'last';
      }
    }
    await expect(boot({}, [Link, Last, OtherAnswer])).rejects.toThrow(
      new ConfigurationException('Link declares a fallback but is a link of the chain of "Ask": a chain has no fallback; let a link answer in its place instead.'),
    );
  });

  it('a fallback on a stream handler', async () => {
    class Tail extends StreamRequest<string> {}
    @Injectable()
    class TailFallback {
      async *handle() {}
    }
    @HandlesRequest(Tail, { fallback: { handler: TailFallback as any } })
    @Injectable()
    class TailHandler implements StreamRequestHandler<Tail> {
      async *handle(): AsyncGenerator<string> {}
    }
    await expect(boot({}, [TailHandler, TailFallback])).rejects.toThrow(/TailHandler declares a fallback but handles "Tail", a StreamRequest/);
  });

  it('two different fallbacks for one handler class', async () => {
    class Other extends DomainEvent {}
    @Injectable()
    class H implements EventHandler<Other> {
      handle(): void {}
    }
    const events = new EventMap().bind(Other, H, { fallback: { handler: Answer as any } }).bind(SeatTaken, H, { fallback: { handler: OtherAnswer as any } });
    await expect(boot({ events }, [H, Answer, OtherAnswer])).rejects.toThrow(/H has two different fallbacks/);
  });

  it('a handler that is its own fallback, a fallback that is not a provider, and bad breaker options', async () => {
    await expect(boot({ requests: new RequestMap().bind(Ask, Answer, { fallback: { handler: Answer } }) }, [Answer])).rejects.toThrow(
      /Answer declares itself as its own fallback/,
    );
    await expect(boot({ requests: new RequestMap().bind(Ask, Answer, { fallback: { handler: OtherAnswer } }) }, [Answer])).rejects.toThrow(
      /OtherAnswer is bound as a handler but is not a provider/,
    );
    const badBreaker = new RequestMap().bind(Ask, Answer, { fallback: { handler: OtherAnswer, breaker: { consecutiveFailures: 0 } } });
    const refused = boot({ requests: badBreaker }, [Answer, OtherAnswer]);
    await expect(refused).rejects.toBeInstanceOf(InvalidOptionException);
    await expect(refused).rejects.toThrow('RequestMap binding of Answer: fallback.breaker.consecutiveFailures must be an integer >= 1, got 0');
    const badOn = new RequestMap().bind(Ask, Answer, { fallback: { handler: OtherAnswer, on: ['TimeoutException' as any] } });
    await expect(boot({ requests: badOn }, [Answer, OtherAnswer])).rejects.toThrow(/fallback.on must be an array of error classes/);
  });
});
