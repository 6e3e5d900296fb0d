import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { IsInt } from 'class-validator';
import {
  CqrsBrokerModule,
  HandlesRequest,
  Request,
  RequestMap,
  RequestMediator,
  StreamRequest,
  ValidationMiddleware,
  type RequestHandler,
  type StreamRequestHandler,
} from 'nestjs-cqrs-broker';
import type { Benchmark } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';

// The same handler logic on every side: add two numbers from the command, asynchronously.
async function add(a: number, b: number): Promise<number> {
  return a + b;
}

class AddRequest extends Request<number> {
  @IsInt() a!: number;
  @IsInt() b!: number;
  constructor(a: number, b: number) {
    super();
    this.a = a;
    this.b = b;
  }
}

@HandlesRequest(AddRequest)
@Injectable()
class AddRequestHandler implements RequestHandler<AddRequest> {
  handle(request: AddRequest): Promise<number> {
    return add(request.a, request.b);
  }
}

/** The same sum as a stream of one item: what opening, iterating and closing a stream costs over a send. */
class AddStreamRequest extends StreamRequest<number> {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {
    super();
  }
}

@HandlesRequest(AddStreamRequest)
@Injectable()
class AddStreamRequestHandler implements StreamRequestHandler<AddStreamRequest> {
  async *handle(request: AddStreamRequest): AsyncGenerator<number> {
    yield await add(request.a, request.b);
  }
}

/** The same sum behind a fallback and a circuit breaker that stays closed: what guarding a handler costs per send. */
class GuardedAddRequest extends Request<number> {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {
    super();
  }
}

@Injectable()
class GuardedAddHandler implements RequestHandler<GuardedAddRequest> {
  handle(request: GuardedAddRequest): Promise<number> {
    return add(request.a, request.b);
  }
}

@Injectable()
class AddFallbackHandler implements RequestHandler<GuardedAddRequest> {
  handle(): number {
    return -1;
  }
}

class AddCommand extends Command<number> {
  a!: number;
  b!: number;
  constructor(a: number, b: number) {
    super();
    this.a = a;
    this.b = b;
  }
}

@CommandHandler(AddCommand)
class AddCommandHandler implements ICommandHandler<AddCommand> {
  execute(command: AddCommand): Promise<number> {
    return add(command.a, command.b);
  }
}

@Module({ imports: [CqrsBrokerModule.forRoot({})], providers: [AddRequestHandler, AddStreamRequestHandler] })
class MediatorAppModule {}

@Module({ imports: [CqrsBrokerModule.forRoot({ middlewares: [ValidationMiddleware] })], providers: [AddRequestHandler] })
class ValidatedMediatorAppModule {}

const guardedRequests = new RequestMap().bind(GuardedAddRequest, GuardedAddHandler, {
  fallback: { handler: AddFallbackHandler, on: [RangeError], breaker: true },
});

@Module({ imports: [CqrsBrokerModule.forRoot({ requests: guardedRequests })], providers: [GuardedAddHandler, AddFallbackHandler] })
class GuardedMediatorAppModule {}

@Module({ imports: [CqrsModule.forRoot()], providers: [AddCommandHandler] })
class NestCqrsAppModule {}

const MEDIATOR = 'RequestMediator.send';
const NEST_CQRS = '@nestjs/cqrs CommandBus.execute';
const DIRECT = 'direct handler call';
const VALIDATED = 'RequestMediator.send + ValidationMiddleware';
const STREAM = 'RequestMediator.stream (one item)';
const GUARDED = 'RequestMediator.send, fallback + breaker (closed)';
const GOAL_RATIO = 0.8;

let apps: INestApplicationContext[] = [];
let mediator: RequestMediator;
let validatedMediator: RequestMediator;
let guardedMediator: RequestMediator;
let commandBus: CommandBus;
let handler: AddRequestHandler;

/** Each side sums its results so the work cannot be optimised away, and checks the sum. */
function check(side: string, sum: number, ops: number): void {
  const expected = (ops * (ops + 1)) / 2;
  if (sum !== expected) throw new Error(`${side}: sum ${sum}, expected ${expected}`);
}

// The loops are written out per side on purpose: a shared loop helper would make
// its call site polymorphic and penalise whichever side V8 saw last.
export const dispatchBenchmark: Benchmark = {
  name: 'dispatch',
  description:
    'In-process dispatch of one command to a singleton async handler (a + b): RequestMediator.send vs @nestjs/cqrs CommandBus.execute vs an awaited direct call of the same handler; no middleware unless named. For reference, the same sum as a one-item RequestMediator.stream, and behind a fallback with a closed circuit breaker.',
  packages: ['nestjs-cqrs-broker', '@nestjs/cqrs', '@nestjs/core', 'class-validator', 'cockatiel'],
  size: { rounds: 21, opsPerRound: 100_000, warmupRounds: 3 },
  sides: [
    {
      name: MEDIATOR,
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await mediator.send(new AddRequest(i, 1));
        check(MEDIATOR, sum, ops);
      },
    },
    {
      name: NEST_CQRS,
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await commandBus.execute(new AddCommand(i, 1));
        check(NEST_CQRS, sum, ops);
      },
    },
    {
      name: DIRECT,
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await handler.handle(new AddRequest(i, 1));
        check(DIRECT, sum, ops);
      },
    },
    {
      name: VALIDATED,
      note: 'for reference: @nestjs/cqrs has no built-in validation, so there is no counterpart.',
      opsFactor: 0.2, // ~20× slower than the others: keep its rounds about as long as theirs.
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await validatedMediator.send(new AddRequest(i, 1));
        check(VALIDATED, sum, ops);
      },
    },
    {
      name: STREAM,
      note: 'for reference: a stream of one item per op (open, one item, close), same sum; @nestjs/cqrs has no streams.',
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) {
          for await (const n of mediator.stream(new AddStreamRequest(i, 1))) sum += n;
        }
        check(STREAM, sum, ops);
      },
    },
    {
      name: GUARDED,
      note: 'for reference: the handler declares a fallback and a cockatiel circuit breaker, which stays closed (the handler never fails).',
      async run(ops) {
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await guardedMediator.send(new GuardedAddRequest(i, 1));
        check(GUARDED, sum, ops);
      },
    },
  ],
  ratios: [
    { numerator: MEDIATOR, denominator: NEST_CQRS },
    { numerator: MEDIATOR, denominator: DIRECT },
    { numerator: VALIDATED, denominator: MEDIATOR },
    { numerator: STREAM, denominator: MEDIATOR },
    { numerator: GUARDED, denominator: MEDIATOR },
  ],
  goal: `RequestMediator.send takes at most ${GOAL_RATIO}× the time of @nestjs/cqrs CommandBus.execute, without middleware.`,
  evaluateGoal(result) {
    const ratio = ratioResult(result, MEDIATOR, NEST_CQRS);
    return {
      met: ratio.ofMedians <= GOAL_RATIO,
      detail: `mediator / @nestjs/cqrs = ${ratio.ofMedians.toFixed(2)}× (ratio of medians; median per-round ratio ${ratio.perRound.median.toFixed(2)}×), target ≤ ${GOAL_RATIO}×.`,
    };
  },
  async setup() {
    const boot = (module: object) => NestFactory.createApplicationContext(module, { logger: false });
    apps = [await boot(MediatorAppModule), await boot(ValidatedMediatorAppModule), await boot(NestCqrsAppModule), await boot(GuardedMediatorAppModule)];
    const [mediatorApp, validatedApp, nestCqrsApp, guardedApp] = apps;
    guardedMediator = guardedApp.get(RequestMediator);
    mediator = mediatorApp.get(RequestMediator);
    handler = mediatorApp.get(AddRequestHandler);
    validatedMediator = validatedApp.get(RequestMediator);
    commandBus = nestCqrsApp.get(CommandBus);
  },
  async teardown() {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
  },
};
