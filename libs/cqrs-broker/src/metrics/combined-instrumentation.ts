import type { BrokerMessage } from '../brokers/broker-message.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumers/consumed-message.js';
import type { Middleware } from '../middleware/middleware.interface.js';
import type { CqrsTracing } from '../tracing/cqrs-tracing.js';

/**
 * Two fillers of the core's instrumentation seam as one (tracing outside,
 * metrics inside): built once at bootstrap when both `tracing` and `metrics`
 * are on, so the core still makes one null check and one call per point.
 */
export class CombinedInstrumentation implements CqrsTracing {
  readonly handlerMiddleware: Middleware;

  constructor(
    private readonly outer: CqrsTracing,
    private readonly inner: CqrsTracing,
  ) {
    const outerMiddleware = outer.handlerMiddleware;
    const innerMiddleware = inner.handlerMiddleware;
    this.handlerMiddleware = {
      handle: (message, next, context) => outerMiddleware.handle(message, (m) => innerMiddleware.handle(m, next, context), context),
    };
  }

  send<T>(requestType: Function, send: () => Promise<T>): Promise<T> {
    return this.outer.send(requestType, () => this.inner.send(requestType, send));
  }

  outboxWrite<T>(messages: readonly BrokerMessage[], tableName: string, write: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>): Promise<T> {
    return this.outer.outboxWrite(messages, tableName, (outerHeaders) =>
      this.inner.outboxWrite(messages, tableName, (innerHeaders) => write(Object.keys(innerHeaders).length === 0 ? outerHeaders : { ...outerHeaders, ...innerHeaders })),
    );
  }

  relayPublish(messages: readonly BrokerMessage[], publish: () => Promise<void>): Promise<void> {
    return this.outer.relayPublish(messages, () => this.inner.relayPublish(messages, publish));
  }

  consume(message: ConsumedMessage, consumerName: string, process: () => Promise<ConsumeOutcome>): Promise<ConsumeOutcome> {
    return this.outer.consume(message, consumerName, () => this.inner.consume(message, consumerName, process));
  }

  inboxDecision<T>(consumerName: string, eventId: string, decide: () => Promise<T>, decision: (result: T) => string): Promise<T> {
    return this.outer.inboxDecision(consumerName, eventId, () => this.inner.inboxDecision(consumerName, eventId, decide, decision), decision);
  }

  consumerLag(consumerName: string, topic: string, partition: number | undefined, lag: number | undefined): void {
    this.outer.consumerLag?.(consumerName, topic, partition, lag);
    this.inner.consumerLag?.(consumerName, topic, partition, lag);
  }
}
