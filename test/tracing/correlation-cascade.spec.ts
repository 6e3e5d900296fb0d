// One correlation id per request, kept by every event the request causes: domain events handled in-process after the
// request handler returned, the events their handlers produce, and the integration events read back from RabbitMQ
// (correlation-id header and property), each with causation-id = the id of the domain event that caused it.
import { Injectable, Module, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type amqplib from 'amqplib';
import {
  CorrelationMiddleware,
  CqrsBrokerModule,
  DomainEvent,
  HandlesEvent,
  HandlesRequest,
  MessageContext,
  NotificationEvent,
  Request,
  RequestMediator,
  type EventHandler,
  type MessageContextData,
  type RequestHandler,
} from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { deleteAmqp, rawQueue } from '../brokers/support/amqp-raw.js';
import { AMQP_URL, requireRabbitMq, unique } from '../brokers/support/services.js';

const exchange = unique('correlation-spec');
const topic = unique('correlation-cascade');
/** What each handler saw, by handler. */
const seen = new Map<string, MessageContextData | undefined>();
const emitted: { roomBooked?: RoomBooked; invoiceDrafted?: InvoiceDrafted } = {};

class BookRoom extends Request<string> {}
class RoomBooked extends DomainEvent {}
class InvoiceDrafted extends DomainEvent {}
const notification = (eventName: string) => new NotificationEvent({ eventName, topic, payload: {} });

@HandlesRequest(BookRoom)
@Injectable({ scope: Scope.TRANSIENT })
class BookRoomHandler implements RequestHandler<BookRoom> {
  readonly events: object[] = [];
  async handle(): Promise<string> {
    seen.set('BookRoomHandler', MessageContext.current());
    this.events.push((emitted.roomBooked = new RoomBooked()));
    return 'booked';
  }
}

@HandlesEvent(RoomBooked)
@Injectable({ scope: Scope.TRANSIENT })
class RoomBookedHandler implements EventHandler<RoomBooked> {
  readonly events: object[] = [];
  async handle(): Promise<void> {
    seen.set('RoomBookedHandler', MessageContext.current());
    this.events.push((emitted.invoiceDrafted = new InvoiceDrafted()), notification('room_booked'));
  }
}

@HandlesEvent(InvoiceDrafted)
@Injectable({ scope: Scope.TRANSIENT })
class InvoiceDraftedHandler implements EventHandler<InvoiceDrafted> {
  readonly events: object[] = [];
  async handle(): Promise<void> {
    seen.set('InvoiceDraftedHandler', MessageContext.current());
    this.events.push(notification('invoice_drafted'));
  }
}

const header = (message: amqplib.ConsumeMessage, name: string) => {
  const value = message.properties.headers?.[name];
  return Buffer.isBuffer(value) ? value.toString() : value === undefined ? undefined : String(value);
};
const byName = (messages: amqplib.ConsumeMessage[]) =>
  Object.fromEntries(messages.map((message) => [JSON.parse(message.content.toString()).event_name as string, message]));

describe.each([1, 4])('one correlation id per request through a cascade of events (eventHandlerConcurrency %i, RabbitMQ)', (concurrency) => {
  let broker: AmqpMessageBroker;
  let app: TestingModule;
  let raw: Awaited<ReturnType<typeof rawQueue>>;
  const queue = unique('correlation-reader');

  beforeAll(async () => {
    await requireRabbitMq();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'correlation-spec' });
    raw = await rawQueue(exchange, queue, topic);
    @Module({
      imports: [CqrsBrokerModule.forRoot({ broker, middlewares: [CorrelationMiddleware], eventHandlerConcurrency: concurrency })],
      providers: [BookRoomHandler, RoomBookedHandler, InvoiceDraftedHandler],
    })
    class AppModule {}
    app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await raw?.close();
    await deleteAmqp({ exchanges: [exchange] }).catch(() => undefined);
  });
  beforeEach(() => seen.clear());

  it('a request sent outside any context: its handler, the handlers of the domain events it caused and the integration events on the bus share one new correlation id, each event caused by its parent event', async () => {
    expect(await app.get(RequestMediator).send(new BookRoom())).toBe('booked');
    const correlationId = seen.get('BookRoomHandler')?.correlationId;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.get('RoomBookedHandler')).toMatchObject({ correlationId, causationId: emitted.roomBooked!.eventId });
    expect(seen.get('InvoiceDraftedHandler')).toMatchObject({ correlationId, causationId: emitted.invoiceDrafted!.eventId });

    const read = byName(await raw.read(2));
    for (const name of ['room_booked', 'invoice_drafted']) {
      expect(header(read[name], 'correlation-id')).toBe(correlationId);
      expect(read[name].properties.correlationId).toBe(correlationId);
    }
    expect(header(read.room_booked, 'causation-id')).toBe(emitted.roomBooked!.eventId);
    expect(header(read.invoice_drafted, 'causation-id')).toBe(emitted.invoiceDrafted!.eventId);
  });

  it('two requests get two correlation ids', async () => {
    const mediator = app.get(RequestMediator);
    await mediator.send(new BookRoom());
    const first = seen.get('InvoiceDraftedHandler')?.correlationId;
    await mediator.send(new BookRoom());
    const second = seen.get('InvoiceDraftedHandler')?.correlationId;
    await raw.read(4);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it("a request sent inside the caller's context (MessageContext.run) keeps the caller's correlation id down the cascade and on the bus", async () => {
    const given = `given-${queue}`;
    await MessageContext.run(MessageContext.start(given), () => app.get(RequestMediator).send(new BookRoom()));
    expect(seen.get('InvoiceDraftedHandler')).toMatchObject({ correlationId: given, causationId: emitted.invoiceDrafted!.eventId });
    const read = byName(await raw.read(2));
    expect(header(read.room_booked, 'correlation-id')).toBe(given);
    expect(header(read.invoice_drafted, 'correlation-id')).toBe(given);
  });
});
