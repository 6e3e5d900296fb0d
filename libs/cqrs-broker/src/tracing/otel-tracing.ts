import type { Attributes, Context, Link, Span, SpanContext, SpanOptions, Tracer } from '@opentelemetry/api';
import { MessageHeaders, type BrokerMessage } from '../brokers/broker-message.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumers/consumed-message.js';
import type { Middleware, MiddlewareContext, NextFunction } from '../middleware/middleware.interface.js';
import type { CqrsTracing } from './cqrs-tracing.js';
import type { OpenTelemetryApi } from './otel.loader.js';
import { parseTraceparent } from './traceparent.js';

/** The instrumentation scope our spans are reported under. */
export const TRACER_NAME = 'nestjs-cqrs-broker';

/**
 * {@link CqrsTracing} on `@opentelemetry/api`. Without a registered SDK the
 * API's tracer is a no-op: spans cost a few allocations and no context is
 * written into messages. Span names and attributes follow the OpenTelemetry
 * messaging semantic conventions where a message crosses a broker (outbox
 * write: `create`, relay: `send`, consumer: `process`); in-process spans
 * carry `cqrs.*` attributes.
 *
 * The writer's trace context is stored with each outbox row twice: in the
 * W3C `traceparent`/`tracestate` headers and in `x-cqrs-traceparent`/
 * `x-cqrs-tracestate`. The kafkajs and amqplib instrumentations overwrite
 * `traceparent` with their own send span when the relay publishes (whose
 * parent is whatever context is active in the relay, not the message's); the
 * copy survives, so the consumer's span continues the writer's trace and
 * links the instrumentation's span instead.
 */
export class OtelTracing implements CqrsTracing {
  private readonly tracer: Tracer;
  private readonly requestSpans = new Map<Function, { readonly name: string; readonly options: SpanOptions }>();
  private readonly handlerSpans = new WeakMap<MiddlewareContext, { readonly name: string; readonly options: SpanOptions }>();

  constructor(private readonly api: OpenTelemetryApi) {
    this.tracer = api.trace.getTracer(TRACER_NAME);
  }

  send<T>(requestType: Function, send: () => Promise<T>): Promise<T> {
    let span = this.requestSpans.get(requestType);
    if (!span) {
      span = { name: `send ${requestType.name}`, options: { kind: this.api.SpanKind.INTERNAL, attributes: { 'cqrs.request': requestType.name } } };
      this.requestSpans.set(requestType, span);
    }
    return this.tracer.startActiveSpan(span.name, span.options, (active) => this.settle(active, send));
  }

  /** One middleware instance; its span data is built once per handler (middleware context). */
  readonly handlerMiddleware: Middleware = {
    handle: (message: object, next: NextFunction, context: MiddlewareContext) => {
      let span = this.handlerSpans.get(context);
      if (!span) {
        const attributes: Attributes = { 'cqrs.handler': context.handlerType.name, [context.kind === 'request' ? 'cqrs.request' : 'cqrs.event']: context.messageType.name };
        span = { name: `handle ${context.messageType.name}`, options: { kind: this.api.SpanKind.INTERNAL, attributes } };
        this.handlerSpans.set(context, span);
      }
      return this.tracer.startActiveSpan(span.name, span.options, (active) => {
        const eventId = (message as { eventId?: unknown }).eventId;
        if (typeof eventId === 'string') active.setAttribute('cqrs.event.id', eventId);
        return this.settle(active, () => next(message));
      });
    },
  };

  outboxWrite<T>(messages: readonly BrokerMessage[], tableName: string, write: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>): Promise<T> {
    const attributes: Attributes = {
      'messaging.operation.type': 'create',
      'messaging.operation.name': 'outbox write',
      'cqrs.outbox.table': tableName,
    };
    const topic = messages[0]?.topic;
    if (topic !== undefined && messages.every((m) => m.topic === topic)) attributes['messaging.destination.name'] = topic;
    if (messages.length === 1) attributes['messaging.message.id'] = messages[0].eventId;
    else attributes['messaging.batch.message_count'] = messages.length;
    return this.tracer.startActiveSpan('outbox write', { kind: this.api.SpanKind.PRODUCER, attributes }, (span) =>
      this.settle(span, () => write(this.traceHeaders(span.spanContext()))),
    );
  }

  async relayPublish(messages: readonly BrokerMessage[], publish: () => Promise<void>): Promise<void> {
    const spans: Span[] = new Array(messages.length);
    let only: Context | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      const parent = this.parentOf(message.headers);
      const attributes: Attributes = {
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': message.topic,
        'messaging.message.id': message.eventId,
        'messaging.message.body.size': message.body.length,
        'cqrs.event': message.eventName,
      };
      const correlationId = message.headers[MessageHeaders.correlationId];
      if (correlationId) attributes['messaging.message.conversation_id'] = correlationId;
      spans[i] = this.tracer.startSpan(`publish ${message.topic}`, { kind: this.api.SpanKind.PRODUCER, attributes }, parent);
      if (messages.length === 1) only = this.api.trace.setSpan(parent, spans[i]);
    }
    try {
      // One message: the broker's own instrumentation (if any) nests under its publish span.
      await (only ? this.api.context.with(only, publish) : publish());
    } catch (error) {
      for (const span of spans) this.fail(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  async consume(message: ConsumedMessage, consumerName: string, process: () => Promise<ConsumeOutcome>): Promise<ConsumeOutcome> {
    const { api } = this;
    const parent = this.parentOf(message.headers);
    const attributes: Attributes = {
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': message.topic,
      'messaging.consumer.group.name': consumerName,
      'messaging.message.body.size': message.body.length,
    };
    const eventId = message.headers[MessageHeaders.eventId];
    if (eventId) attributes['messaging.message.id'] = eventId;
    const correlationId = message.headers[MessageHeaders.correlationId];
    if (correlationId) attributes['messaging.message.conversation_id'] = correlationId;
    // A broker instrumentation's span (kafkajs/amqplib) is active here: link it rather than continue its trace.
    const active = api.trace.getSpanContext(api.context.active());
    const parentSpan = api.trace.getSpanContext(parent);
    const links: Link[] = active && api.trace.isSpanContextValid(active) && active.spanId !== parentSpan?.spanId ? [{ context: active }] : [];
    const span = this.tracer.startSpan(`process ${message.topic}`, { kind: api.SpanKind.CONSUMER, attributes, links }, parent);
    try {
      const outcome = await api.context.with(api.trace.setSpan(parent, span), process);
      span.setAttribute('cqrs.outcome', outcome.status);
      if (outcome.status === 'dead-letter') span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.reason });
      return outcome;
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  inboxDecision<T>(consumerName: string, eventId: string, decide: () => Promise<T>, decision: (result: T) => string): Promise<T> {
    const attributes: Attributes = { 'messaging.consumer.group.name': consumerName, 'messaging.message.id': eventId };
    return this.tracer.startActiveSpan('inbox decision', { kind: this.api.SpanKind.INTERNAL, attributes }, (span) =>
      this.settle(span, async () => {
        const result = await decide();
        span.setAttribute('cqrs.inbox.decision', decision(result));
        return result;
      }),
    );
  }

  /** The context a message's span continues: the `x-cqrs-*` copy (never overwritten in transit), else what the propagator reads. */
  private parentOf(headers: Readonly<Record<string, string | undefined>>): Context {
    const { api } = this;
    const copy = parseTraceparent(headers[MessageHeaders.originTraceparent]);
    if (copy) {
      const tracestate = headers[MessageHeaders.originTracestate];
      const spanContext: SpanContext = {
        traceId: copy.traceId,
        spanId: copy.spanId,
        traceFlags: copy.flags,
        isRemote: true,
        ...(tracestate ? { traceState: api.createTraceState(tracestate) } : {}),
      };
      return api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext);
    }
    return api.propagation.extract(api.ROOT_CONTEXT, headers);
  }

  /** The headers that carry `spanContext`: W3C through the registered propagator, plus our own copies. Empty for an invalid (no SDK) context. */
  private traceHeaders(spanContext: SpanContext): Record<string, string> {
    const { api } = this;
    if (!api.trace.isSpanContextValid(spanContext)) return {};
    const headers: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpanContext(api.ROOT_CONTEXT, spanContext), headers);
    const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & 1}`;
    headers[MessageHeaders.traceparent] ??= traceparent;
    headers[MessageHeaders.originTraceparent] = traceparent;
    const tracestate = spanContext.traceState?.serialize();
    if (tracestate) headers[MessageHeaders.originTracestate] = tracestate;
    return headers;
  }

  private settle<T>(span: Span, run: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = run();
    } catch (error) {
      this.fail(span, error);
      span.end();
      return Promise.reject(error);
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.fail(span, error);
        span.end();
        throw error;
      },
    );
  }

  private fail(span: Span, error: unknown): void {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
}
