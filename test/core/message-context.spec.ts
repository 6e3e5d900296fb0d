import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CorrelationMiddleware,
  CqrsBrokerModule,
  EventSerializer,
  HandlesRequest,
  IntegrationEvent,
  IntegrationEventRegistry,
  MessageContext,
  MessageHeaders,
  NotificationEvent,
  Request,
  RequestMediator,
  childTraceparent,
  newTraceparent,
  traceIdOf,
  type RequestHandler,
} from 'nestjs-cqrs-broker';

@IntegrationEvent({ name: 'thing_done', topic: 'things' })
class ThingDone extends NotificationEvent<{ id: string }> {}

class DoThing extends Request<ThingDone> {}

@HandlesRequest(DoThing)
@Injectable({ scope: Scope.TRANSIENT })
class DoThingHandler implements RequestHandler<DoThing> {
  handle(): ThingDone {
    return new ThingDone({ payload: { id: '1' } });
  }
}

describe('MessageContext (correlation and tracing)', () => {
  it('gives events created by a request one correlation id and a traceparent of one trace', async () => {
    @Module({ imports: [CqrsBrokerModule.forRoot({ middlewares: [CorrelationMiddleware] })], providers: [DoThingHandler] })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    const first = await app.get(RequestMediator).send(new DoThing());
    const second = await app.get(RequestMediator).send(new DoThing());
    expect(first.headers[MessageHeaders.correlationId]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers[MessageHeaders.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Two requests are two units of work.
    expect(second.headers[MessageHeaders.correlationId]).not.toBe(first.headers[MessageHeaders.correlationId]);
  });

  it('carries correlation id and trace from a received event to the events its handler creates', () => {
    const incoming = { [MessageHeaders.correlationId]: 'corr-1', [MessageHeaders.traceparent]: newTraceparent() };
    const produced = MessageContext.run(MessageContext.fromHeaders(incoming, 'event-9'), () => new ThingDone({ payload: { id: '2' } }));
    expect(produced.headers[MessageHeaders.correlationId]).toBe('corr-1');
    expect(produced.headers[MessageHeaders.causationId]).toBe('event-9');
    expect(traceIdOf(produced.headers[MessageHeaders.traceparent])).toBe(traceIdOf(incoming[MessageHeaders.traceparent]));
    expect(produced.headers[MessageHeaders.traceparent]).not.toBe(incoming[MessageHeaders.traceparent]);
  });

  it('starts from the event id when the incoming message has no correlation id', () => {
    const context = MessageContext.fromHeaders({}, 'event-1');
    expect(context.correlationId).toBe('event-1');
    expect(traceIdOf(context.traceparent)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('starts a new trace for an invalid or all-zero traceparent', () => {
    expect(traceIdOf(childTraceparent('garbage'))).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(childTraceparent(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`))).not.toBe('0'.repeat(32));
  });

  it('lets headers given to an event win over the context, and puts all of them on the wire message', () => {
    const event = MessageContext.run(MessageContext.start('corr-ctx'), () =>
      new ThingDone({ payload: { id: '3' }, headers: { [MessageHeaders.correlationId]: 'corr-own', tenant: 'acme' } }),
    );
    const message = new EventSerializer(new IntegrationEventRegistry()).toMessage(event);
    expect(message.headers).toMatchObject({ [MessageHeaders.correlationId]: 'corr-own', tenant: 'acme', [MessageHeaders.eventName]: 'thing_done' });
    expect(message.headers[MessageHeaders.traceparent]).toBeDefined();
  });

  it('adds no tracing headers to events created outside any context', () => {
    const event = new ThingDone({ payload: { id: '4' } });
    expect(event.headers).toEqual({});
  });
});
