import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CqrsBrokerModule,
  DomainEvent,
  EventMediator,
  HandlesEvent,
  HandlesRequest,
  Request,
  RequestMediator,
  StreamRequest,
  type EventHandler,
  type RequestHandler,
  type StreamRequestHandler,
} from 'nestjs-cqrs-broker';

let unitsOfWork = 0;

/** Stands for a unit of work holding one EntityManager: one per DI sub-tree. */
@Injectable({ scope: Scope.REQUEST })
class UnitOfWork {
  readonly id = ++unitsOfWork;
}

/** Which unit of work each handler saw, in call order. */
const seen: { by: string; uow: number }[] = [];

class BookRoom extends Request<number> {
  constructor(readonly guests = 1) {
    super();
  }
}

class RoomBooked extends DomainEvent {}
class InvoiceDrafted extends DomainEvent {}

@HandlesRequest(BookRoom)
@Injectable({ scope: Scope.TRANSIENT })
class BookRoomHandler implements RequestHandler<BookRoom> {
  readonly events: DomainEvent[] = [];
  constructor(private readonly uow: UnitOfWork) {}
  async handle({ guests }: BookRoom): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    seen.push({ by: 'BookRoomHandler', uow: this.uow.id });
    for (let i = 0; i < guests; i++) this.events.push(new RoomBooked());
    return this.uow.id;
  }
}

/** Transient and keeping events: with one scope per send it is one instance for every RoomBooked of the send. */
@HandlesEvent(RoomBooked)
@Injectable({ scope: Scope.TRANSIENT })
class DraftInvoice implements EventHandler<RoomBooked> {
  readonly events: DomainEvent[] = [];
  constructor(private readonly uow: UnitOfWork) {}
  handle(): void {
    seen.push({ by: 'DraftInvoice', uow: this.uow.id });
    this.events.push(new InvoiceDrafted());
  }
}

/** Default scope, but depends on a request-scoped provider, so it is resolved per sub-tree too. */
@HandlesEvent(InvoiceDrafted)
@Injectable()
class SendInvoice implements EventHandler<InvoiceDrafted> {
  constructor(private readonly uow: UnitOfWork) {}
  handle(): void {
    seen.push({ by: 'SendInvoice', uow: this.uow.id });
  }
}

const providers = [UnitOfWork, BookRoomHandler, DraftInvoice, SendInvoice];

async function boot(scopePerSend?: boolean) {
  @Module({ imports: [CqrsBrokerModule.forRoot({ scopePerSend })], providers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

const uowsOf = (by: string) => seen.filter((entry) => entry.by === by).map((entry) => entry.uow);

describe('scopePerSend', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('is off by default: each handler call gets its own DI sub-tree, as before', async () => {
    const app = await boot();
    await app.get(RequestMediator).send(new BookRoom());
    expect(seen.map((entry) => entry.by)).toEqual(['BookRoomHandler', 'DraftInvoice', 'SendInvoice']);
    expect(new Set(seen.map((entry) => entry.uow)).size).toBe(3);
  });

  it('gives the request handler and the event handlers it triggers, follow-ups included, one request-scoped instance', async () => {
    const app = await boot(true);
    const uow = await app.get(RequestMediator).send(new BookRoom());
    expect(seen).toEqual([
      { by: 'BookRoomHandler', uow },
      { by: 'DraftInvoice', uow },
      { by: 'SendInvoice', uow },
    ]);
  });

  it('gives two sends, even concurrent ones, different instances', async () => {
    const app = await boot(true);
    const mediator = app.get(RequestMediator);
    const uows = await Promise.all(Array.from({ length: 20 }, () => mediator.send(new BookRoom())));
    expect(new Set(uows).size).toBe(20);
    for (const by of ['DraftInvoice', 'SendInvoice']) expect(uowsOf(by).sort((a, b) => a - b)).toEqual([...uows].sort((a, b) => a - b));
  });

  it('reads each event of a transient handler once when the send reuses its instance', async () => {
    const app = await boot(true);
    const uow = await app.get(RequestMediator).send(new BookRoom(3));
    // Three RoomBooked → DraftInvoice (one instance) three times → three InvoiceDrafted, not 1 + 2 + 3.
    expect(uowsOf('DraftInvoice')).toEqual([uow, uow, uow]);
    expect(uowsOf('SendInvoice')).toEqual([uow, uow, uow]);
  });

  it('covers a stream: its handler and the events of every item share one sub-tree', async () => {
    class BookRooms extends StreamRequest<number> {}
    @HandlesRequest(BookRooms)
    @Injectable({ scope: Scope.TRANSIENT })
    class BookRoomsHandler implements StreamRequestHandler<BookRooms> {
      readonly events: DomainEvent[] = [];
      constructor(private readonly uow: UnitOfWork) {}
      async *handle(): AsyncGenerator<number> {
        for (let i = 0; i < 2; i++) {
          this.events.push(new RoomBooked());
          yield this.uow.id;
        }
      }
    }
    @Module({ imports: [CqrsBrokerModule.forRoot({ scopePerSend: true })], providers: [...providers, BookRoomsHandler] })
    class StreamModule {}
    const app = await Test.createTestingModule({ imports: [StreamModule] }).compile();
    await app.init();
    const mediator = app.get(RequestMediator);
    const first: number[] = [];
    for await (const uow of mediator.stream(new BookRooms())) first.push(uow);
    const second: number[] = [];
    for await (const uow of mediator.stream(new BookRooms())) second.push(uow);
    expect(new Set(first).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(uowsOf('DraftInvoice')).toEqual([first[0], first[0], second[0], second[0]]);
    expect(uowsOf('SendInvoice')).toEqual([first[0], first[0], second[0], second[0]]);
  });

  it('covers an event from the bus: EventMediator.send gives its handlers and their follow-ups one sub-tree', async () => {
    const app = await boot(true);
    await app.get(EventMediator).send(new RoomBooked());
    await app.get(EventMediator).send(new RoomBooked());
    const [a, b] = uowsOf('DraftInvoice');
    expect(a).not.toBe(b);
    expect(uowsOf('SendInvoice')).toEqual([a, b]);
  });
});
