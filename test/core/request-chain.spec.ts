import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ConfigurationException,
  CqrsBrokerModule,
  DomainEvent,
  DuplicateHandlerException,
  HandlesEvent,
  HandlesRequest,
  Request,
  RequestMap,
  RequestMediator,
  RequestNotHandledException,
  StreamRequest,
  type ChainedRequestHandler,
  type EventHandler,
  type Middleware,
  type MiddlewareContext,
  type NextFunction,
  type NextRequestHandler,
  type RequestHandler,
  type StreamRequestHandler,
} from 'nestjs-cqrs-broker';

/** Approves an expense: small ones automatically, bigger ones by a manager, the rest by finance. */
class ApproveExpense extends Request<string> {
  constructor(readonly amount: number) {
    super();
  }
}

const calls: string[] = [];

@HandlesRequest(ApproveExpense, { order: 1 })
@Injectable()
class AutoApproval implements ChainedRequestHandler<ApproveExpense> {
  handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>): Promise<string> | string {
    calls.push('auto');
    return request.amount < 100 ? 'auto-approved' : next(request);
  }
}

@HandlesRequest(ApproveExpense, { order: 2 })
@Injectable()
class ManagerApproval implements ChainedRequestHandler<ApproveExpense> {
  async handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>): Promise<string> {
    calls.push('manager');
    return request.amount < 1_000 ? 'approved by a manager' : next(request);
  }
}

@HandlesRequest(ApproveExpense, { order: 3 })
@Injectable()
class FinanceApproval implements ChainedRequestHandler<ApproveExpense> {
  async handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>): Promise<string> {
    calls.push('finance');
    return request.amount < 10_000 ? 'approved by finance' : next(request);
  }
}

/** Not decorated: bound with RequestMap.chain. */
@Injectable()
class PettyCash implements ChainedRequestHandler<ApproveExpense> {
  handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>): Promise<string> | string {
    calls.push('petty cash');
    return request.amount < 100 ? 'paid from petty cash' : next(request);
  }
}

class ExpenseEscalated extends DomainEvent {
  constructor(readonly by: string) {
    super();
  }
}

let escalationsConstructed = 0;

/** A transient link: keeps the events it produced, so it is resolved per send (only when reached). */
@Injectable({ scope: Scope.TRANSIENT })
class EscalatingApproval implements ChainedRequestHandler<ApproveExpense> {
  readonly events: DomainEvent[] = [];
  constructor() {
    escalationsConstructed++;
  }
  async handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>): Promise<string> {
    calls.push('escalating');
    this.events.push(new ExpenseEscalated('escalating'));
    return next(new ApproveExpense(request.amount / 10)); // passes on a replaced request
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class BoardApproval implements RequestHandler<ApproveExpense> {
  readonly events: DomainEvent[] = [];
  async handle(request: ApproveExpense): Promise<string> {
    calls.push('board');
    this.events.push(new ExpenseEscalated('board'));
    return `approved by the board (${request.amount})`;
  }
}

@HandlesEvent(ExpenseEscalated)
@Injectable()
class EscalationLog implements EventHandler<ExpenseEscalated> {
  handle(event: ExpenseEscalated): void {
    calls.push(`event:${event.by}`);
  }
}

async function boot(options: Parameters<typeof CqrsBrokerModule.forRoot>[0], providers: any[]) {
  @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('a chain of responsibility', () => {
  beforeEach(() => {
    calls.length = 0;
    escalationsConstructed = 0;
  });

  it('runs the decorated handlers in order until one handles the request; the others never run', async () => {
    // Providers listed out of order: the chain follows `order`.
    const app = await boot({}, [FinanceApproval, AutoApproval, ManagerApproval]);
    const mediator = app.get(RequestMediator);
    const result: string = await mediator.send(new ApproveExpense(500));
    expect(result).toBe('approved by a manager');
    expect(calls).toEqual(['auto', 'manager']);
    calls.length = 0;
    await expect(mediator.send(new ApproveExpense(50))).resolves.toBe('auto-approved');
    expect(calls).toEqual(['auto']);
  });

  it('rejects with RequestNotHandledException, naming the chain, when the last handler passes the request on', async () => {
    const app = await boot({}, [AutoApproval, ManagerApproval, FinanceApproval]);
    const error = await app.get(RequestMediator).send(new ApproveExpense(50_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestNotHandledException);
    expect((error as RequestNotHandledException).chain).toEqual(['AutoApproval', 'ManagerApproval', 'FinanceApproval']);
    expect((error as Error).message).toContain('"ApproveExpense"');
    expect((error as Error).message).toContain('AutoApproval → ManagerApproval → FinanceApproval');
    expect(calls).toEqual(['auto', 'manager', 'finance']);
  });

  it('takes its order from RequestMap.chain, resolves a non-singleton link only when reached, and emits the events of the links that ran in order', async () => {
    const requests = new RequestMap().chain(ApproveExpense, [PettyCash, EscalatingApproval, BoardApproval]);
    const app = await boot({ requests }, [PettyCash, EscalatingApproval, BoardApproval, EscalationLog]);
    const mediator = app.get(RequestMediator);

    await expect(mediator.send(new ApproveExpense(20))).resolves.toBe('paid from petty cash');
    expect(escalationsConstructed).toBe(0);

    calls.length = 0;
    await expect(mediator.send(new ApproveExpense(50_000))).resolves.toBe('approved by the board (5000)');
    expect(calls).toEqual(['petty cash', 'escalating', 'board', 'event:escalating', 'event:board']);

    calls.length = 0;
    await mediator.send(new ApproveExpense(50_000));
    expect(calls).toEqual(['petty cash', 'escalating', 'board', 'event:escalating', 'event:board']); // fresh instances: no events left over
  });

  it('is wrapped by the middleware chain once, as a whole, with the first handler in the context', async () => {
    const seen: string[] = [];
    const trace: Middleware = {
      async handle(message: object, next: NextFunction, context: MiddlewareContext) {
        seen.push(`${context.messageType.name} → ${context.handlerType.name}`);
        return next(message);
      },
    };
    const app = await boot({ middlewares: [trace] }, [AutoApproval, ManagerApproval, FinanceApproval]);
    await app.get(RequestMediator).send(new ApproveExpense(5_000));
    expect(seen).toEqual(['ApproveExpense → AutoApproval']);
  });

  it('refuses to start when two handlers are bound to one request and only one of them declares an order', async () => {
    @HandlesRequest(ApproveExpense)
    @Injectable()
    class PlainApproval implements RequestHandler<ApproveExpense> {
      handle(): string {
        return 'ok';
      }
    }
    const error = await boot({}, [AutoApproval, PlainApproval]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateHandlerException);
    expect((error as Error).message).toMatch(/PlainApproval.*AutoApproval.*\{ order \}.*RequestMap\.chain/s);
  });

  it('refuses to start when two links share an order, or the chain is declared both ways', async () => {
    @HandlesRequest(ApproveExpense, { order: 2 })
    @Injectable()
    class OtherManagerApproval implements ChainedRequestHandler<ApproveExpense> {
      handle(request: ApproveExpense, next: NextRequestHandler<ApproveExpense>) {
        return next(request);
      }
    }
    await expect(boot({}, [AutoApproval, ManagerApproval, OtherManagerApproval])).rejects.toThrow(
      /two chain handlers with order 2: "ManagerApproval" and "OtherManagerApproval"/,
    );
    const requests = new RequestMap().chain(ApproveExpense, [BoardApproval]);
    await expect(boot({ requests }, [AutoApproval, BoardApproval])).rejects.toThrow(ConfigurationException);
    await expect(boot({ requests }, [AutoApproval, BoardApproval])).rejects.toThrow(/declare it in one place/);
  });

  it('refuses a chain that repeats a handler, a RequestMap binding a chained request twice, and a chained stream', async () => {
    const twice = new RequestMap().chain(ApproveExpense, [PettyCash, BoardApproval, PettyCash]);
    await expect(boot({ requests: twice }, [PettyCash, BoardApproval])).rejects.toThrow(/lists PettyCash twice/);
    expect(() => new RequestMap().bind(ApproveExpense, BoardApproval).chain(ApproveExpense, [PettyCash])).toThrow(DuplicateHandlerException);

    class Ticks extends StreamRequest<number> {}
    @HandlesRequest(Ticks, { order: 1 })
    @Injectable()
    class TickHandler implements StreamRequestHandler<Ticks> {
      async *handle(): AsyncGenerator<number> {
        yield 1;
      }
    }
    await expect(boot({}, [TickHandler])).rejects.toThrow(/StreamRequest, and a stream has one handler/);
  });
});
