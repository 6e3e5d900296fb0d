import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Min } from 'class-validator';
import {
  CqrsBrokerModule,
  DomainEvent,
  DuplicateHandlerException,
  EventHandler,
  HandlesEvent,
  HandlesRequest,
  Middleware,
  MiddlewareContext,
  NextFunction,
  Request,
  RequestHandler,
  RequestHandlerNotFoundException,
  RequestMap,
  RequestMediator,
  RequestValidationException,
  ValidationMiddleware,
} from 'nestjs-cqrs-broker';

class Add extends Request<number> {
  @IsInt() a!: number;
  @IsInt() @Min(0) b!: number;
  constructor(a: number, b: number) {
    super();
    this.a = a;
    this.b = b;
  }
}

@HandlesRequest(Add)
@Injectable()
class AddHandler implements RequestHandler<Add> {
  handle(request: Add): number {
    return request.a + request.b;
  }
}

class Greet extends Request<string> {
  @IsString() name!: string;
  constructor(name: string) {
    super();
    this.name = name;
  }
}

class Greeted extends DomainEvent {
  constructor(readonly name: string) {
    super();
  }
}

const greetedLog: string[] = [];

@HandlesEvent(Greeted)
@Injectable()
class GreetedHandler implements EventHandler<Greeted> {
  handle(event: Greeted): void {
    greetedLog.push(event.name);
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class GreetHandler implements RequestHandler<Greet> {
  readonly events: DomainEvent[] = [];
  async handle(request: Greet): Promise<string> {
    // Yield so concurrent sends interleave: each must still see only its own events.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    this.events.push(new Greeted(request.name));
    return `hello ${request.name}`;
  }
}

class Unbound extends Request<void> {}

const calls: string[] = [];
class TraceMiddleware implements Middleware {
  constructor(private readonly label: string) {}
  async handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown> {
    calls.push(`${this.label}>${context.kind}:${context.messageType.name}`);
    const result = await next(message);
    calls.push(`<${this.label}`);
    return result;
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('RequestMediator', () => {
  beforeEach(() => {
    greetedLog.length = 0;
    calls.length = 0;
  });

  it('sends a request to its decorated handler and returns the typed result', async () => {
    const app = await boot({}, [AddHandler]);
    const sum: number = await app.get(RequestMediator).send(new Add(2, 3));
    expect(sum).toBe(5);
  });

  it('uses RequestMap bindings as well as decorators', async () => {
    const app = await boot({ requests: new RequestMap().bind(Greet, GreetHandler) }, [GreetHandler, GreetedHandler]);
    await expect(app.get(RequestMediator).send(new Greet('ada'))).resolves.toBe('hello ada');
    expect(greetedLog).toEqual(['ada']);
  });

  it('gives each send a fresh transient handler, so concurrent requests never share events', async () => {
    const app = await boot({ requests: new RequestMap().bind(Greet, GreetHandler) }, [GreetHandler, GreetedHandler]);
    const names = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    await Promise.all(names.map((name) => app.get(RequestMediator).send(new Greet(name))));
    expect([...greetedLog].sort()).toEqual([...names].sort());
  });

  it('rejects an unbound request with an error naming it', async () => {
    const app = await boot({}, [AddHandler]);
    await expect(app.get(RequestMediator).send(new Unbound())).rejects.toThrow(RequestHandlerNotFoundException);
    await expect(app.get(RequestMediator).send(new Unbound())).rejects.toThrow(/"Unbound"/);
  });

  it('refuses to start when two handlers are bound to one request, naming both', async () => {
    @HandlesRequest(Add)
    @Injectable()
    class OtherAddHandler implements RequestHandler<Add> {
      handle(): number {
        return 0;
      }
    }
    await expect(boot({}, [AddHandler, OtherAddHandler])).rejects.toThrow(DuplicateHandlerException);
    await expect(boot({}, [AddHandler, OtherAddHandler])).rejects.toThrow(/AddHandler.*OtherAddHandler/);
  });

  it('refuses a singleton handler that keeps events on itself', async () => {
    @HandlesRequest(Unbound)
    @Injectable()
    class LeakyHandler implements RequestHandler<Unbound> {
      readonly events: object[] = [];
      handle(): void {}
    }
    await expect(boot({}, [LeakyHandler])).rejects.toThrow(/LeakyHandler.*singleton.*TRANSIENT/s);
  });

  it('refuses a bound handler that is not a provider', async () => {
    await expect(boot({ requests: new RequestMap().bind(Greet, GreetHandler) }, [])).rejects.toThrow(/GreetHandler.*not a provider/);
  });

  it('runs middleware outermost first around the handler', async () => {
    const app = await boot({ middlewares: [new TraceMiddleware('outer'), new TraceMiddleware('inner')] }, [AddHandler]);
    await app.get(RequestMediator).send(new Add(1, 1));
    expect(calls).toEqual(['outer>request:Add', 'inner>request:Add', '<inner', '<outer']);
  });

  it('rejects an invalid request before its handler runs, listing every field error', async () => {
    let handled = 0;
    @HandlesRequest(Add)
    @Injectable()
    class CountingAddHandler implements RequestHandler<Add> {
      handle(request: Add): number {
        handled++;
        return request.a + request.b;
      }
    }
    const app = await boot({ middlewares: [ValidationMiddleware] }, [CountingAddHandler]);
    const bad = new Add(1.5 as number, -1);
    const error = await app.get(RequestMediator).send(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationException);
    expect((error as RequestValidationException).messages).toEqual(['a must be an integer number', 'b must not be less than 0']);
    expect((error as RequestValidationException).getStatus()).toBe(400);
    expect(handled).toBe(0);
    await expect(app.get(RequestMediator).send(new Add(1, 2))).resolves.toBe(3);
  });
});
