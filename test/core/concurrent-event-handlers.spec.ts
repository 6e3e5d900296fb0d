import type { MockInstance } from 'vitest';
import { Injectable, Logger, Module, Scope, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CqrsBrokerModule,
  DomainEvent,
  EventEmitter,
  EventMap,
  HandlesRequest,
  IntegrationEvent,
  InvalidOptionException,
  NotificationEvent,
  Request,
  RequestMediator,
  type BrokerMessage,
  type EventHandler,
  type MessageBroker,
  type RequestHandler,
} from 'nestjs-cqrs-broker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the handlers did, in order, and how many ran at once. */
const timeline: string[] = [];
let inFlight = 0;
let maxInFlight = 0;

class SeatBooked extends DomainEvent {
  constructor(readonly seat: number) {
    super();
  }
}
class TicketPrinted extends DomainEvent {
  constructor(readonly seat: number) {
    super();
  }
}

@IntegrationEvent({ name: 'seat_booked', topic: 'seats' })
class SeatBookedNotification extends NotificationEvent<{ seat: number }> {}

/** A handler class that awaits `ms` of "I/O" and records its start and end. */
function slowHandler(name: string, ms: number): Type<EventHandler<SeatBooked>> {
  @Injectable()
  class Slow implements EventHandler<SeatBooked> {
    async handle(event: SeatBooked): Promise<void> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      timeline.push(`${name}:${event.seat}:start`);
      await sleep(ms);
      timeline.push(`${name}:${event.seat}:end`);
      inFlight--;
    }
  }
  Object.defineProperty(Slow, 'name', { value: name });
  return Slow;
}

class RecordingBroker implements MessageBroker {
  readonly batches: BrokerMessage[][] = [];
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.batches.push([...messages]);
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** An EventMap binding every handler to SeatBooked, and the providers. */
function bindAll(handlers: Type<EventHandler<SeatBooked>>[]): { events: EventMap; providers: Type<object>[] } {
  const events = new EventMap();
  for (const handler of handlers) events.bind(SeatBooked, handler);
  return { events, providers: handlers };
}

describe('concurrent domain-event handlers (eventHandlerConcurrency)', () => {
  let errors: MockInstance<Logger['error']>;

  beforeEach(() => {
    timeline.length = 0;
    inFlight = 0;
    maxInFlight = 0;
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
    errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('by default runs one handler at a time, in binding order, event after event', async () => {
    const { events, providers } = bindAll([slowHandler('a', 3), slowHandler('b', 1), slowHandler('c', 2)]);
    const app = await boot({ events }, providers);
    await app.get(EventEmitter).emit([new SeatBooked(1), new SeatBooked(2)]);
    expect(maxInFlight).toBe(1);
    expect(timeline.filter((line) => line.endsWith(':end'))).toEqual(['a:1:end', 'b:1:end', 'c:1:end', 'a:2:end', 'b:2:end', 'c:2:end']);
  });

  it('runs up to the limit at once, never more, across the events of the batch', async () => {
    const { events, providers } = bindAll([slowHandler('a', 5), slowHandler('b', 5), slowHandler('c', 5)]);
    const app = await boot({ events, eventHandlerConcurrency: 4 }, providers);
    await app.get(EventEmitter).emit([new SeatBooked(1), new SeatBooked(2), new SeatBooked(3)]);
    expect(maxInFlight).toBe(4);
    expect(timeline.filter((line) => line.endsWith(':end'))).toHaveLength(9);
    // Started in the order the events came, each event's handlers in binding order.
    expect(timeline.filter((line) => line.endsWith(':start')).slice(0, 4)).toEqual(['a:1:start', 'b:1:start', 'c:1:start', 'a:2:start']);
  });

  it('with Infinity, starts every handler before the first one finishes', async () => {
    const handlers = Array.from({ length: 10 }, (_, i) => slowHandler(`h${i}`, 5));
    const { events, providers } = bindAll(handlers);
    const app = await boot({ events, eventHandlerConcurrency: Infinity }, providers);
    await app.get(EventEmitter).emit([new SeatBooked(1)]);
    expect(maxInFlight).toBe(10);
    expect(timeline.findIndex((line) => line.endsWith(':end'))).toBe(10);
  });

  it('isolates a failing handler: logged with the event id, the others finish, the emit resolves', async () => {
    @Injectable()
    class Failing implements EventHandler<SeatBooked> {
      async handle(): Promise<void> {
        await sleep(1);
        throw new Error('printer jammed');
      }
    }
    const [a, b] = [slowHandler('a', 5), slowHandler('b', 10)];
    const events = new EventMap().bind(SeatBooked, a).bind(SeatBooked, Failing).bind(SeatBooked, b);
    const app = await boot({ events, eventHandlerConcurrency: 3 }, [a, Failing, b]);
    const event = new SeatBooked(1);
    await expect(app.get(EventEmitter).emit([event])).resolves.toBeUndefined();
    expect(timeline).toContain('a:1:end');
    expect(timeline).toContain('b:1:end');
    const failures = errors.mock.calls.map((call) => String(call[0]));
    expect(failures).toEqual([`Failing failed on SeatBooked (event ${event.eventId}): printer jammed`]);
  });

  it('starts a follow-up event\'s handlers as soon as the handler that produced it is done, not after the whole batch', async () => {
    @Injectable({ scope: Scope.TRANSIENT })
    class PrintTicket implements EventHandler<SeatBooked> {
      readonly events: DomainEvent[] = [];
      async handle(event: SeatBooked): Promise<void> {
        await sleep(1);
        timeline.push(`print:${event.seat}:end`);
        this.events.push(new TicketPrinted(event.seat));
      }
    }
    @Injectable()
    class MailTicket implements EventHandler<TicketPrinted> {
      handle(event: TicketPrinted): void {
        timeline.push(`mail:${event.seat}`);
      }
    }
    const slow = slowHandler('slow', 40);
    const events = new EventMap().bind(SeatBooked, PrintTicket).bind(SeatBooked, slow).bind(TicketPrinted, MailTicket);
    const app = await boot({ events, eventHandlerConcurrency: 2 }, [PrintTicket, slow, MailTicket]);
    await app.get(EventEmitter).emit([new SeatBooked(1)]);
    expect(timeline).toEqual(['slow:1:start', 'print:1:end', 'mail:1', 'slow:1:end']);
  });

  it('sends the notifications of the whole cascade to the broker once, after every handler is done', async () => {
    @Injectable({ scope: Scope.TRANSIENT })
    class Announce implements EventHandler<SeatBooked> {
      readonly events: object[] = [];
      async handle(event: SeatBooked): Promise<void> {
        await sleep(event.seat);
        this.events.push(new SeatBookedNotification({ payload: { seat: event.seat } }));
      }
    }
    const broker = new RecordingBroker();
    const slow = slowHandler('slow', 20);
    const events = new EventMap().bind(SeatBooked, Announce).bind(SeatBooked, slow);
    const app = await boot({ events, broker, eventHandlerConcurrency: 8 }, [Announce, slow]);
    await app.get(EventEmitter).emit([new SeatBooked(1), new SeatBooked(2), new SeatBooked(3)]);
    expect(broker.batches).toHaveLength(1);
    expect(broker.batches[0].map((message) => JSON.parse(message.body.toString('utf8')).payload.seat).sort()).toEqual([1, 2, 3]);
    expect(timeline.filter((line) => line.endsWith(':end'))).toHaveLength(3);
  });

  it('still stops a cycle of handlers producing each other\'s events', async () => {
    class Ping extends DomainEvent {}
    @Injectable({ scope: Scope.TRANSIENT })
    class PingPong implements EventHandler<Ping> {
      readonly events: object[] = [];
      handle(): void {
        this.events.push(new Ping());
      }
    }
    const broker = new RecordingBroker();
    const app = await boot({ events: new EventMap().bind(Ping, PingPong), broker, eventHandlerConcurrency: 4 }, [PingPong]);
    await expect(app.get(EventEmitter).emit([new Ping()])).rejects.toThrow(/cascaded from one emit.*cycle/);
    expect(broker.batches).toEqual([]);
  }, 20_000);

  it('refuses a limit that is not an integer >= 1 (or Infinity) at startup', async () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      await expect(boot({ eventHandlerConcurrency: bad }, [])).rejects.toThrow(
        new InvalidOptionException('eventHandlerConcurrency', 'an integer >= 1 or Infinity', bad),
      );
    }
  });
});

describe('concurrent event handlers with one scope per send', () => {
  let unitsOfWork = 0;

  @Injectable({ scope: Scope.REQUEST })
  class UnitOfWork {
    readonly id = ++unitsOfWork;
  }

  class BookSeats extends Request<number> {
    constructor(readonly seats: number) {
      super();
    }
  }

  /** Which unit of work each handler saw. */
  const seen: { by: string; uow: number }[] = [];

  @HandlesRequest(BookSeats)
  @Injectable({ scope: Scope.TRANSIENT })
  class BookSeatsHandler implements RequestHandler<BookSeats> {
    readonly events: DomainEvent[] = [];
    constructor(private readonly uow: UnitOfWork) {}
    handle({ seats }: BookSeats): number {
      seen.push({ by: 'book', uow: this.uow.id });
      for (let seat = 1; seat <= seats; seat++) this.events.push(new SeatBooked(seat));
      return this.uow.id;
    }
  }

  /** Three request-scoped handler classes: each resolved in the send's sub-tree. */
  const scopedHandler = (name: string): Type<EventHandler<SeatBooked>> => {
    @Injectable({ scope: Scope.REQUEST })
    class Scoped implements EventHandler<SeatBooked> {
      constructor(private readonly uow: UnitOfWork) {}
      async handle(): Promise<void> {
        await sleep(Math.random() * 5);
        seen.push({ by: name, uow: this.uow.id });
      }
    }
    Object.defineProperty(Scoped, 'name', { value: name });
    return Scoped;
  };

  beforeEach(() => {
    seen.length = 0;
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('resolves every concurrently run handler in the send\'s DI sub-tree: one unit of work per send, another for the next', async () => {
    const handlers = [scopedHandler('x'), scopedHandler('y'), scopedHandler('z')];
    const events = new EventMap();
    for (const handler of handlers) events.bind(SeatBooked, handler);
    const app = await boot({ events, scopePerSend: true, eventHandlerConcurrency: 4 }, [BookSeatsHandler, UnitOfWork, ...handlers]);
    const mediator = app.get(RequestMediator);
    const [first, second] = await Promise.all([mediator.send(new BookSeats(3)), mediator.send(new BookSeats(3))]);
    expect(first).not.toBe(second);
    for (const uow of [first, second]) {
      const ofSend = seen.filter((entry) => entry.uow === uow).map((entry) => entry.by);
      expect(ofSend.sort()).toEqual(['book', 'x', 'x', 'x', 'y', 'y', 'y', 'z', 'z', 'z']);
    }
    expect(seen).toHaveLength(20);
  });
});
