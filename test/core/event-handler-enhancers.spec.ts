// Nest guards, interceptors and filters on in-process event handlers (wrapped once by ExternalContextCreator), bound on
// the handle method as on the class; a transient handler keeps its events through the wrapper; none bound: not wrapped;
// a handler with a fallback: its enhancers run around the pair.
import { Catch, Injectable, Module, Scope, UseFilters, UseGuards, UseInterceptors, type CallHandler, type CanActivate, type ExceptionFilter, type ExecutionContext, type NestInterceptor, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { tap } from 'rxjs';
import { CqrsBrokerModule, DomainEvent, EventEmitter, HandlesEvent, type EventHandler } from 'nestjs-cqrs-broker';
import { hasEnhancers } from '../../libs/cqrs-broker/src/discovery/event-handler-enhancers.js';

const calls: string[] = [];

class RoomOpened extends DomainEvent {}
class RoomCleaned extends DomainEvent {}
class RoomBroken extends DomainEvent {}
class SeatBooked extends DomainEvent {
  constructor(readonly allowed: boolean) {
    super();
  }
}

@Injectable()
class CountingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    calls.push(`before ${context.getType()} ${context.getArgs()[0].constructor.name}`);
    return next.handle().pipe(tap(() => calls.push('after')));
  }
}

@Catch()
class SwallowingFilter implements ExceptionFilter {
  catch(error: Error): void {
    calls.push(`filtered ${error.message}`);
  }
}

@HandlesEvent(RoomOpened)
@Injectable({ scope: Scope.TRANSIENT })
class OpenedHandler implements EventHandler<RoomOpened> {
  readonly events: DomainEvent[] = [];
  @UseInterceptors(CountingInterceptor)
  async handle(): Promise<void> {
    calls.push('opened');
    this.events.push(new RoomCleaned());
  }
}

@HandlesEvent(RoomCleaned)
@Injectable()
class CleanedHandler implements EventHandler<RoomCleaned> {
  handle(): void {
    calls.push('cleaned');
  }
}

@HandlesEvent(RoomBroken)
@UseFilters(SwallowingFilter)
@Injectable()
class BrokenHandler implements EventHandler<RoomBroken> {
  handle(): void {
    throw new Error('broken');
  }
}

/** Lets an event through when its `allowed` is true. */
@Injectable()
class AllowedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const allowed = (context.getArgs()[0] as SeatBooked).allowed;
    calls.push(`guard ${allowed}`);
    return allowed;
  }
}

@Injectable()
class SeatMailFallback implements EventHandler<SeatBooked> {
  handle(): void {
    calls.push('fallback');
  }
}

@HandlesEvent(SeatBooked, { fallback: { handler: SeatMailFallback } })
@UseGuards(AllowedGuard)
@Injectable()
class SeatMailHandler implements EventHandler<SeatBooked> {
  @UseInterceptors(CountingInterceptor)
  handle(): void {
    calls.push('mailer down');
    throw new Error('mailer down');
  }
}

describe('Nest enhancers on in-process event handlers', () => {
  const start = async () => {
    @Module({ imports: [CqrsBrokerModule.forRoot({})], providers: [OpenedHandler, CleanedHandler, BrokenHandler, SeatMailHandler, SeatMailFallback] })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    return app;
  };
  beforeEach(() => calls.splice(0));

  it('runs an interceptor bound on handle() around a transient handler, whose events are still emitted', async () => {
    const app = await start();
    await app.get(EventEmitter).emit([new RoomOpened()]);
    expect(calls).toEqual(['before cqrs-event RoomOpened', 'opened', 'after', 'cleaned']);
    await app.close();
  });

  it('applies an exception filter bound on the class: the filter sees the error', async () => {
    const app = await start();
    await app.get(EventEmitter).emit([new RoomBroken()]);
    expect(calls).toEqual(['filtered broken']);
    await app.close();
  });

  it("runs a handler's guard and interceptor around it and its fallback together: the interceptor sees the fallback's answer, a denying guard stops both", async () => {
    const app = await start();
    await app.get(EventEmitter).emit([new SeatBooked(true)]);
    expect(calls).toEqual(['guard true', 'before cqrs-event SeatBooked', 'mailer down', 'fallback', 'after']);
    calls.splice(0);
    await app.get(EventEmitter).emit([new SeatBooked(false)]);
    expect(calls).toEqual(['guard false']);
    await app.close();
  });

  it('finds enhancers on the class or on handle(), and none on a plain handler (which is then not wrapped)', () => {
    const cases: [Type<object>, boolean][] = [[OpenedHandler, true], [BrokenHandler, true], [CleanedHandler, false]];
    for (const [handlerType, expected] of cases) expect(hasEnhancers(handlerType)).toBe(expected);
  });
});
