import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, Min } from 'class-validator';
import {
  ConfigurationException,
  CqrsBrokerModule,
  DomainEvent,
  HandlesEvent,
  HandlesRequest,
  Request,
  RequestHandlerNotFoundException,
  RequestMap,
  RequestMediator,
  RequestValidationException,
  StreamRequest,
  UnsupportedOperationException,
  ValidationMiddleware,
  type EventHandler,
  type Middleware,
  type MiddlewareContext,
  type NextFunction,
  type RequestHandler,
  type StreamRequestHandler,
} from 'nestjs-cqrs-broker';

/** Counts from 1 to `to`. */
class CountTo extends StreamRequest<number> {
  @IsInt() @Min(1) to!: number;
  constructor(to: number) {
    super();
    this.to = to;
  }
}

class Counted extends DomainEvent {
  constructor(readonly n: number) {
    super();
  }
}

class CountFinished extends DomainEvent {}

/** What happened, in order, across handler, event handlers and consumer. */
const log: string[] = [];

@HandlesEvent(Counted, CountFinished)
@Injectable()
class CountedHandler implements EventHandler<Counted | CountFinished> {
  handle(event: Counted | CountFinished): void {
    log.push(event instanceof Counted ? `event ${event.n}` : 'event finished');
  }
}

@HandlesRequest(CountTo)
@Injectable({ scope: Scope.TRANSIENT })
class CountToHandler implements StreamRequestHandler<CountTo> {
  readonly events: DomainEvent[] = [];

  async *handle({ to }: CountTo): AsyncGenerator<number> {
    log.push('opened');
    try {
      for (let n = 1; n <= to; n++) {
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`produced ${n}`);
        this.events.push(new Counted(n));
        yield n;
      }
      this.events.push(new CountFinished());
      log.push('completed');
    } finally {
      log.push('closed');
    }
  }
}

class Add extends Request<number> {
  constructor(readonly a: number, readonly b: number) {
    super();
  }
}

@HandlesRequest(Add)
@Injectable()
class AddHandler implements RequestHandler<Add> {
  handle({ a, b }: Add): number {
    return a + b;
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('RequestMediator.stream', () => {
  beforeEach(() => {
    log.length = 0;
  });

  it('yields every item of the handler, typed by the request', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler]);
    const items: number[] = [];
    const stream = app.get(RequestMediator).stream(new CountTo(3));
    expectTypeOf(stream).toEqualTypeOf<AsyncGenerator<number, void, undefined>>();
    for await (const n of stream) items.push(n);
    expect(items).toEqual([1, 2, 3]);
  });

  it('emits the events collected for an item before the item reaches the consumer, and the rest when the handler ends', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler]);
    for await (const n of app.get(RequestMediator).stream(new CountTo(2))) log.push(`consumed ${n}`);
    expect(log).toEqual([
      'opened',
      'produced 1',
      'event 1',
      'consumed 1',
      'produced 2',
      'event 2',
      'consumed 2',
      'completed',
      'closed',
      'event finished',
    ]);
  });

  it('closes the handler iterator when the consumer stops early, and emits nothing more', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler]);
    for await (const n of app.get(RequestMediator).stream(new CountTo(5))) {
      log.push(`consumed ${n}`);
      if (n === 2) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['opened', 'produced 1', 'event 1', 'consumed 1', 'produced 2', 'event 2', 'consumed 2', 'closed']);
  });

  it('closes the handler iterator when the consumer calls return() while the next item is being produced', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler]);
    const stream = app.get(RequestMediator).stream(new CountTo(5));
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    const pending = stream.next(); // the handler is producing item 2 ...
    const returned = stream.return(undefined); // ... when the client goes away
    expect(await pending).toEqual({ done: false, value: 2 });
    expect(await returned).toEqual({ done: true, value: undefined });
    expect(log).toEqual(['opened', 'produced 1', 'event 1', 'produced 2', 'event 2', 'closed']);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('opens nothing when the consumer never asks for an item', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler]);
    const stream = app.get(RequestMediator).stream(new CountTo(5));
    await stream.return(undefined);
    expect(log).toEqual([]);
  });

  it('hands a handler failure to the consumer after the items before it, and closes the handler', async () => {
    class Fail extends StreamRequest<string> {}
    @HandlesRequest(Fail)
    @Injectable()
    class FailHandler implements StreamRequestHandler<Fail> {
      async *handle(): AsyncGenerator<string> {
        try {
          yield 'first';
          throw new Error('database went away');
        } finally {
          log.push('closed');
        }
      }
    }
    const app = await boot({}, [FailHandler]);
    const items: string[] = [];
    const consume = async () => {
      for await (const item of app.get(RequestMediator).stream(new Fail())) items.push(item);
    };
    await expect(consume()).rejects.toThrow('database went away');
    expect(items).toEqual(['first']);
    expect(log).toEqual(['closed']);
  });

  it('runs the middleware chain once, when the stream opens, marked as a stream', async () => {
    const seen: string[] = [];
    const trace: Middleware = {
      async handle(message: object, next: NextFunction, context: MiddlewareContext) {
        seen.push(`${context.kind}:${context.messageType.name}:${context.stream === true}`);
        return next(message);
      },
    };
    const app = await boot({ middlewares: [trace] }, [CountToHandler, CountedHandler]);
    for await (const n of app.get(RequestMediator).stream(new CountTo(3))) void n;
    // Once for the stream; the events of its items go through the chain as events.
    expect(seen).toEqual(['request:CountTo:true', 'event:Counted:false', 'event:Counted:false', 'event:Counted:false', 'event:CountFinished:false']);
  });

  it('rejects an invalid stream request through the ValidationMiddleware before the handler runs', async () => {
    const app = await boot({ middlewares: [ValidationMiddleware] }, [CountToHandler, CountedHandler]);
    await expect(app.get(RequestMediator).stream(new CountTo(0)).next()).rejects.toThrow(RequestValidationException);
    expect(log).toEqual([]);
  });

  it('accepts a RequestMap binding of a stream handler', async () => {
    const app = await boot({ requests: new RequestMap().bind(CountTo, CountToHandler) }, [CountToHandler, CountedHandler]);
    const items: number[] = [];
    for await (const n of app.get(RequestMediator).stream(new CountTo(2))) items.push(n);
    expect(items).toEqual([1, 2]);
  });

  it('tells apart a stream request sent with send, a plain request streamed, and an unbound one', async () => {
    const app = await boot({}, [CountToHandler, CountedHandler, AddHandler]);
    const mediator = app.get(RequestMediator);
    await expect(mediator.send(new CountTo(1) as unknown as Request<number>)).rejects.toThrow(UnsupportedOperationException);
    await expect(mediator.send(new CountTo(1) as unknown as Request<number>)).rejects.toThrow(/mediator\.stream/);
    await expect(mediator.stream(new Add(1, 2) as unknown as StreamRequest<number>).next()).rejects.toThrow(/not a StreamRequest/);
    class Unbound extends StreamRequest<number> {}
    await expect(mediator.stream(new Unbound()).next()).rejects.toThrow(RequestHandlerNotFoundException);
  });

  it('says what to write when a stream handler returns no AsyncIterable', async () => {
    class Wrong extends StreamRequest<number> {}
    @HandlesRequest(Wrong)
    @Injectable()
    class WrongHandler {
      async handle(): Promise<number[]> {
        return [1, 2];
      }
    }
    const app = await boot({}, [WrongHandler]);
    const error = await app.get(RequestMediator).stream(new Wrong()).next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationException);
    expect((error as Error).message).toMatch(/WrongHandler\.handle returned no AsyncIterable.*async \*handle/);
  });
});
