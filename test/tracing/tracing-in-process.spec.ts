// The spans of one process with the real OpenTelemetry SDK (NodeTracerProvider, in-memory exporter): what `tracing: true`
// records around a request, its handler, the domain events it emits and the inbox's decisions; nothing with it off.
import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DataSource } from 'typeorm';
import { CqrsBrokerModule, DomainEvent, HandlesEvent, HandlesRequest, Request, RequestMediator, type EventHandler, type RequestHandler } from 'nestjs-cqrs-broker';
import { createInboxEntity, Inbox, InboxModule } from 'nestjs-cqrs-broker/inbox';

class PlaceOrder extends Request<string> {}
class OrderPlaced extends DomainEvent {}

@HandlesRequest(PlaceOrder)
@Injectable({ scope: Scope.TRANSIENT })
class PlaceOrderHandler implements RequestHandler<PlaceOrder> {
  readonly events: DomainEvent[] = [];
  async handle(): Promise<string> {
    this.events.push(new OrderPlaced());
    return 'placed';
  }
}

@HandlesEvent(OrderPlaced)
@Injectable()
class OrderPlacedHandler implements EventHandler<OrderPlaced> {
  async handle(): Promise<void> {}
}

class FailingRequest extends Request<void> {}

@HandlesRequest(FailingRequest)
@Injectable()
class FailingHandler implements RequestHandler<FailingRequest> {
  async handle(): Promise<void> {
    throw new Error('refused');
  }
}

describe('tracing in one process (real SDK, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let provider: NodeTracerProvider;
  let dataSource: DataSource;

  beforeAll(async () => {
    provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [createInboxEntity()], synchronize: true }).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  const start = async (tracing: boolean) => {
    @Module({
      imports: [CqrsBrokerModule.forRoot({ tracing }), InboxModule.forRoot({ dataSource })],
      providers: [PlaceOrderHandler, OrderPlacedHandler, FailingHandler],
    })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    return app;
  };
  const spanNamed = (name: string): ReadableSpan => {
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (!span) throw new Error(`no span named ${name}: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
    return span;
  };

  it('records send, the handler and the handler of the domain event it emitted, in one trace under the caller\'s span', async () => {
    const app = await start(true);
    const caller = trace.getTracer('test').startSpan('caller');
    const result = await context.with(trace.setSpan(context.active(), caller), () => app.get(RequestMediator).send(new PlaceOrder()));
    caller.end();
    expect(result).toBe('placed');
    const send = spanNamed('send PlaceOrder');
    const handle = spanNamed('handle PlaceOrder');
    const eventHandler = spanNamed('handle OrderPlaced');
    expect(send.kind).toBe(SpanKind.INTERNAL);
    expect(send.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(handle.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    // Emitted after the handler returned, still inside the send.
    expect(eventHandler.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(handle.attributes).toMatchObject({ 'cqrs.handler': 'PlaceOrderHandler', 'cqrs.request': 'PlaceOrder' });
    expect(eventHandler.attributes).toMatchObject({ 'cqrs.handler': 'OrderPlacedHandler', 'cqrs.event': 'OrderPlaced' });
    expect(eventHandler.attributes['cqrs.event.id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });

  it('marks the send and handler spans of a failing handler as errors with the exception', async () => {
    const app = await start(true);
    await expect(app.get(RequestMediator).send(new FailingRequest())).rejects.toThrow('refused');
    for (const name of ['send FailingRequest', 'handle FailingRequest']) {
      const span = spanNamed(name);
      expect(span.status).toMatchObject({ code: 2, message: 'refused' });
      expect(span.events.map((e) => e.name)).toContain('exception');
    }
    await app.close();
  });

  it('records the inbox decision of each delivery: processed, then duplicate', async () => {
    const app = await start(true);
    const inbox = app.get(Inbox);
    const event = { eventId: crypto.randomUUID(), eventName: 'order_paid' };
    expect((await inbox.transaction(event, async () => 1, { consumerName: 'billing' })).status).toBe('processed');
    expect((await inbox.transaction(event, async () => 1, { consumerName: 'billing' })).status).toBe('duplicate');
    const decisions = exporter.getFinishedSpans().filter((s) => s.name === 'inbox decision');
    expect(decisions.map((s) => s.attributes['cqrs.inbox.decision'])).toEqual(['processed', 'duplicate']);
    expect(decisions[0].attributes).toMatchObject({ 'messaging.consumer.group.name': 'billing', 'messaging.message.id': event.eventId });
    await app.close();
  });

  it('records nothing with tracing off, though an SDK is registered', async () => {
    const app = await start(false);
    await app.get(RequestMediator).send(new PlaceOrder());
    await app.get(Inbox).transaction({ eventId: crypto.randomUUID() }, async () => 1, { consumerName: 'billing' });
    expect(exporter.getFinishedSpans()).toEqual([]);
    await app.close();
  });
});
