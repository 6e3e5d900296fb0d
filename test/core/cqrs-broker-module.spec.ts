import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CqrsBrokerModule,
  EventMediator,
  HandlesRequest,
  IntegrationEvent,
  MESSAGE_BROKER,
  NotificationEvent,
  Request,
  RequestHandler,
  RequestMediator,
  type BrokerMessage,
  type MessageBroker,
  type Middleware,
  type MiddlewareContext,
  type NextFunction,
} from 'nestjs-cqrs-broker';

const BROKER_CONFIG = Symbol('broker-config');
interface BrokerConfig {
  readonly name: string;
}

@Module({ providers: [{ provide: BROKER_CONFIG, useValue: { name: 'from-config' } }], exports: [BROKER_CONFIG] })
class ConfigModule {}

class CustomBroker implements MessageBroker {
  readonly published: BrokerMessage[] = [];
  closed = 0;
  constructor(readonly name: string) {}
  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    this.published.push(...messages);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

@IntegrationEvent({ name: 'room_booked', topic: 'rooms' })
class RoomBooked extends NotificationEvent<{ room_id: string }> {}

class BookRoom extends Request<{ bookingId: string }> {
  constructor(readonly roomId: string) {
    super();
  }
}

@HandlesRequest(BookRoom)
@Injectable({ scope: Scope.TRANSIENT })
class BookRoomHandler implements RequestHandler<BookRoom> {
  readonly events: object[] = [];
  handle(request: BookRoom): { bookingId: string } {
    this.events.push(new RoomBooked({ payload: { room_id: request.roomId } }));
    return { bookingId: `b-${request.roomId}` };
  }
}

async function compile(imports: any[], providers: any[] = []) {
  @Module({ imports, providers })
  class AppModule {}
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await app.init();
  return app;
}

describe('CqrsBrokerModule', () => {
  it('forRootAsync wires a custom broker built by a factory from an injected config provider', async () => {
    const app = await compile(
      [
        CqrsBrokerModule.forRootAsync({
          imports: [ConfigModule],
          inject: [BROKER_CONFIG],
          useFactory: (config: BrokerConfig) => ({ broker: new CustomBroker(config.name) }),
        }),
      ],
      [BookRoomHandler],
    );
    const broker = app.get<CustomBroker>(MESSAGE_BROKER);
    expect(broker).toBeInstanceOf(CustomBroker);
    expect(broker.name).toBe('from-config');
    await expect(app.get(RequestMediator).send(new BookRoom('r1'))).resolves.toEqual({ bookingId: 'b-r1' });
    expect(broker.published.map((m) => [m.topic, m.eventName])).toEqual([['rooms', 'room_booked']]);
  });

  it('instantiates a middleware given as a class through DI, with its dependencies injected', async () => {
    const seen: string[] = [];
    @Injectable()
    class TaggingMiddleware implements Middleware {
      constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {}
      async handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown> {
        seen.push(`${this.config.name}:${context.kind}:${context.messageType.name}`);
        return next(message);
      }
    }
    const app = await compile(
      [
        CqrsBrokerModule.forRootAsync({
          imports: [ConfigModule],
          useFactory: () => ({ middlewares: [TaggingMiddleware] }),
        }),
      ],
      [BookRoomHandler],
    );
    await app.get(RequestMediator).send(new BookRoom('r1'));
    expect(seen).toEqual(['from-config:request:BookRoom']);
  });

  it('closes the broker when the application shuts down', async () => {
    const broker = new CustomBroker('closing');
    const app = await compile([CqrsBrokerModule.forRoot({ broker })]);
    expect(broker.closed).toBe(0);
    await app.close();
    expect(broker.closed).toBe(1);
  });

  it('closes the default in-memory broker on shutdown without error', async () => {
    const app = await compile([CqrsBrokerModule.forRoot({})]);
    await expect(app.close()).resolves.toBeUndefined();
  });

  it('is global: a provider in another module injects RequestMediator without importing the module', async () => {
    @Injectable()
    class BookingService {
      constructor(
        readonly mediator: RequestMediator,
        readonly events: EventMediator,
      ) {}
      book(roomId: string) {
        return this.mediator.send(new BookRoom(roomId));
      }
    }
    @Module({ providers: [BookingService, BookRoomHandler], exports: [BookingService] })
    class BookingModule {}

    const app = await compile([CqrsBrokerModule.forRoot({}), BookingModule]);
    const service = app.get(BookingService);
    expect(service.mediator).toBe(app.get(RequestMediator));
    await expect(service.book('r7')).resolves.toEqual({ bookingId: 'b-r7' });
  });

  it('gives a request-scoped handler a fresh instance per send', async () => {
    class WhoAmI extends Request<number> {}
    let created = 0;
    @HandlesRequest(WhoAmI)
    @Injectable({ scope: Scope.REQUEST })
    class WhoAmIHandler implements RequestHandler<WhoAmI> {
      private readonly instance = ++created;
      private calls = 0;
      handle(): number {
        // A shared instance would count past 1.
        return this.instance * 10 + ++this.calls;
      }
    }
    const app = await compile([CqrsBrokerModule.forRoot({})], [WhoAmIHandler]);
    const mediator = app.get(RequestMediator);
    const results = [await mediator.send(new WhoAmI()), await mediator.send(new WhoAmI()), await mediator.send(new WhoAmI())];
    expect(results.map((r) => r % 10)).toEqual([1, 1, 1]);
    expect(new Set(results.map((r) => Math.floor(r / 10))).size).toBe(3);
  });

  it('types the result of send by the request, without casts', async () => {
    const app = await compile([CqrsBrokerModule.forRoot({})], [BookRoomHandler]);
    const mediator = app.get(RequestMediator);
    const booking = await mediator.send(new BookRoom('r1'));
    expectTypeOf(booking).toEqualTypeOf<{ bookingId: string }>();
    expectTypeOf(mediator.send(new BookRoom('r1'))).toEqualTypeOf<Promise<{ bookingId: string }>>();
    expectTypeOf(app.get(EventMediator).send).returns.toEqualTypeOf<Promise<number>>();
    expect(booking.bookingId).toBe('b-r1');
  });
});
