import type { BrokerMessage } from '../brokers/broker-message.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumers/consumed-message.js';
import type { Middleware } from '../middleware/middleware.interface.js';

/** Injection token of the {@link CqrsTracing} `CqrsBrokerModule` resolved from its `tracing` option (absent: tracing is off). */
export const CQRS_TRACING = Symbol('cqrs-broker:tracing');

/**
 * The instrumentation seam of the core: the points where a request, a
 * handler, an outbox write, a relay publish, a consumed message and an inbox
 * decision happen. The core calls it only when tracing is on (a provider
 * exists), so with tracing off the hot paths do nothing more; the
 * OpenTelemetry adapter (`tracing/otel-tracing.ts`, `@opentelemetry/api`
 * loaded lazily) fills it. Internal: the option is `CqrsBrokerModuleOptions.tracing`.
 */
export interface CqrsTracing {
  /** `RequestMediator.send`: `send` runs the handler and emits its events inside the span. */
  send<T>(requestType: Function, send: () => Promise<T>): Promise<T>;
  /** The innermost middleware of every request and event handler: a span around the handler's `handle`. */
  readonly handlerMiddleware: Middleware;
  /**
   * An outbox write of `messages`: `write` gets the headers (`traceparent`,
   * `tracestate`, their `x-cqrs-*` copies) that store the write's trace
   * context with every row.
   */
  outboxWrite<T>(messages: readonly BrokerMessage[], tableName: string, write: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>): Promise<T>;
  /** The relay's publish of `messages`, one span per message, each a child of the context its row stored. */
  relayPublish(messages: readonly BrokerMessage[], publish: () => Promise<void>): Promise<void>;
  /** A consumer's processing of one message; the span ends with the outcome. */
  consume(message: ConsumedMessage, consumerName: string, process: () => Promise<ConsumeOutcome>): Promise<ConsumeOutcome>;
  /** The inbox's decision for one event: `decide` resolves to whether the event was new (handled) or a duplicate. */
  inboxDecision<T>(consumerName: string, eventId: string, decide: () => Promise<T>, decision: (result: T) => string): Promise<T>;
  /**
   * A consumer's lag as its broker told it: messages of `topic` (a Kafka
   * partition; a RabbitMQ queue, `partition` undefined) not consumed yet.
   * `lag` undefined: the consumer no longer reads it (forget the value).
   * Transports call it with nothing around it; absent when the filler has
   * nothing to record (tracing), and then transports do not report at all.
   */
  consumerLag?(consumerName: string, topic: string, partition: number | undefined, lag: number | undefined): void;
}
