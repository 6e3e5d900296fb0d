import type { Counter, Gauge, Histogram, Registry as PromRegistry, RegistryContentType } from 'prom-client';

type Registry = PromRegistry<RegistryContentType>;
import type { BrokerMessage } from '../brokers/broker-message.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumers/consumed-message.js';
import type { Middleware, MiddlewareContext, NextFunction } from '../middleware/middleware.interface.js';
import type { CqrsTracing } from '../tracing/cqrs-tracing.js';

/** The optional peer metrics run on (its types only: nothing is imported until `metrics` is turned on). */
export type PromClient = typeof import('prom-client');

/** The `outcome` label of `cqrs_broker_consumer_messages_total`. @publicApi */
export type ConsumerMetricOutcome = 'handled' | 'duplicate' | 'retried' | 'dead_lettered' | 'skipped';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** A metric of `registry` by name, created once per registry (a second module or app on one registry shares it). */
export function metricOnce<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/**
 * The request, handler, outbox-write, relay and consumer counters of
 * `CqrsBrokerModule`'s `metrics` option, on prom-client, filling the core's
 * instrumentation seam (the same points tracing uses). Prometheus names:
 *
 * - `cqrs_broker_requests_total{request,outcome}` (outcome `success` | `error`)
 * - `cqrs_broker_request_duration_seconds{request}` (histogram; the handler and the events it emits)
 * - `cqrs_broker_events_handled_total{event,outcome}` (each event handler's call; `success` | `error`)
 * - `cqrs_broker_outbox_written_total` (rows written)
 * - `cqrs_broker_relay_published_total{topic}` (messages the broker accepted)
 * - `cqrs_broker_relay_failures_total` (messages of publishes that failed)
 * - `cqrs_broker_relay_batch_duration_seconds` (histogram; one broker publish of a batch)
 * - `cqrs_broker_consumer_messages_total{consumer,outcome}`: each consumed message once, as
 *   `handled`, `duplicate` (the inbox had it), `dead_lettered` or `skipped`; plus `retried` once per
 *   extra attempt (attempts - 1 of a handled or dead-lettered message) and once per `requeue`
 *   outcome (given back to the broker to be delivered again). A `stopped` outcome (the consumer
 *   shut down mid-message; the broker delivers it again) is not counted.
 * - `cqrs_broker_consumer_lag{consumer,topic,partition}` (gauge): messages of a partition (Kafka)
 *   or a queue (RabbitMQ: `topic` is the queue, no `partition`) not consumed yet, as the broker
 *   told the consumer (see `KafkaEventConsumer`, `AmqpEventConsumer`); a partition the consumer
 *   no longer has, or a consumer that closed, has no series.
 * - `cqrs_broker_circuit_breaker_state{breaker}` (gauge; `CqrsBrokerModule` registers it beside
 *   these, read from `CircuitBreakers` at scrape time): 0 closed, 1 half-open, 2 open.
 */
export class PrometheusMetrics implements CqrsTracing {
  private readonly requests: Counter<'request' | 'outcome'>;
  private readonly requestDuration: Histogram<'request'>;
  private readonly eventsHandled: Counter<'event' | 'outcome'>;
  private readonly outboxWritten: Counter;
  private readonly relayPublished: Counter<'topic'>;
  private readonly relayFailures: Counter;
  private readonly relayBatchDuration: Histogram;
  private readonly consumerMessages: Counter<'consumer' | 'outcome'>;
  private readonly consumerLagGauge: Gauge<'consumer' | 'topic' | 'partition'>;
  /** Label children made once per request type, handler and topic: no label lookup per call. */
  private readonly requestSeries = new Map<Function, { readonly success: Counter.Internal; readonly error: Counter.Internal; readonly duration: Histogram.Internal<string> }>();
  private readonly handlerSeries = new WeakMap<MiddlewareContext, { readonly success: Counter.Internal; readonly error: Counter.Internal }>();
  private readonly topicSeries = new Map<string, Counter.Internal>();
  /** Events the inbox found already handled, until their consume outcome is counted. */
  private readonly duplicates = new Set<string>();

  constructor(client: PromClient, readonly registry: Registry) {
    const registers = [registry];
    this.requests = metricOnce(registry, 'cqrs_broker_requests_total', () =>
      new client.Counter({ name: 'cqrs_broker_requests_total', help: 'Requests sent through the mediator, by request type and outcome (success, error).', labelNames: ['request', 'outcome'] as const, registers }));
    this.requestDuration = metricOnce(registry, 'cqrs_broker_request_duration_seconds', () =>
      new client.Histogram({ name: 'cqrs_broker_request_duration_seconds', help: 'Time to handle a request and emit its events, in seconds.', labelNames: ['request'] as const, registers }));
    this.eventsHandled = metricOnce(registry, 'cqrs_broker_events_handled_total', () =>
      new client.Counter({ name: 'cqrs_broker_events_handled_total', help: 'Event handler calls, by event type and outcome (success, error).', labelNames: ['event', 'outcome'] as const, registers }));
    this.outboxWritten = metricOnce(registry, 'cqrs_broker_outbox_written_total', () =>
      new client.Counter({ name: 'cqrs_broker_outbox_written_total', help: 'Events written to the outbox.', registers }));
    this.relayPublished = metricOnce(registry, 'cqrs_broker_relay_published_total', () =>
      new client.Counter({ name: 'cqrs_broker_relay_published_total', help: 'Outbox events the relay published, by topic.', labelNames: ['topic'] as const, registers }));
    this.relayFailures = metricOnce(registry, 'cqrs_broker_relay_failures_total', () =>
      new client.Counter({ name: 'cqrs_broker_relay_failures_total', help: 'Outbox events of relay publishes that failed.', registers }));
    this.relayBatchDuration = metricOnce(registry, 'cqrs_broker_relay_batch_duration_seconds', () =>
      new client.Histogram({ name: 'cqrs_broker_relay_batch_duration_seconds', help: "Time of one relay publish of a batch to the broker, in seconds.", registers }));
    this.consumerMessages = metricOnce(registry, 'cqrs_broker_consumer_messages_total', () =>
      new client.Counter({ name: 'cqrs_broker_consumer_messages_total', help: 'Consumed messages by consumer and outcome (handled, duplicate, retried, dead_lettered, skipped).', labelNames: ['consumer', 'outcome'] as const, registers }));
    this.consumerLagGauge = metricOnce(registry, 'cqrs_broker_consumer_lag', () =>
      new client.Gauge({ name: 'cqrs_broker_consumer_lag', help: "Messages not consumed yet, as the broker tells the consumer: behind a Kafka partition's high watermark, or ready in a RabbitMQ queue (topic: the queue, no partition).", labelNames: ['consumer', 'topic', 'partition'] as const, registers }));
  }

  async send<T>(requestType: Function, send: () => Promise<T>): Promise<T> {
    let series = this.requestSeries.get(requestType);
    if (!series) {
      const request = requestType.name;
      series = { success: this.requests.labels({ request, outcome: 'success' }), error: this.requests.labels({ request, outcome: 'error' }), duration: this.requestDuration.labels({ request }) };
      this.requestSeries.set(requestType, series);
    }
    const started = performance.now();
    try {
      const result = await send();
      series.success.inc();
      return result;
    } catch (error) {
      series.error.inc();
      throw error;
    } finally {
      series.duration.observe((performance.now() - started) / 1000);
    }
  }

  readonly handlerMiddleware: Middleware = {
    handle: async (message: object, next: NextFunction, context: MiddlewareContext) => {
      if (context.kind !== 'event') return next(message);
      let series = this.handlerSeries.get(context);
      if (!series) {
        const event = context.messageType.name;
        series = { success: this.eventsHandled.labels({ event, outcome: 'success' }), error: this.eventsHandled.labels({ event, outcome: 'error' }) };
        this.handlerSeries.set(context, series);
      }
      try {
        const result = await next(message);
        series.success.inc();
        return result;
      } catch (error) {
        series.error.inc();
        throw error;
      }
    },
  };

  async outboxWrite<T>(messages: readonly BrokerMessage[], _tableName: string, write: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>): Promise<T> {
    const result = await write(NO_HEADERS);
    this.outboxWritten.inc(messages.length);
    return result;
  }

  async relayPublish(messages: readonly BrokerMessage[], publish: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await publish();
    } catch (error) {
      this.relayFailures.inc(messages.length);
      throw error;
    } finally {
      this.relayBatchDuration.observe((performance.now() - started) / 1000);
    }
    for (const message of messages) {
      let series = this.topicSeries.get(message.topic);
      if (!series) {
        series = this.relayPublished.labels({ topic: message.topic });
        this.topicSeries.set(message.topic, series);
      }
      series.inc();
    }
  }

  async consume(_message: ConsumedMessage, consumerName: string, process: () => Promise<ConsumeOutcome>): Promise<ConsumeOutcome> {
    const outcome = await process();
    const count = (label: ConsumerMetricOutcome, value = 1) => {
      if (value > 0) this.consumerMessages.inc({ consumer: consumerName, outcome: label }, value);
    };
    switch (outcome.status) {
      case 'handled': {
        const key = `${consumerName}\u0000${outcome.eventId}`;
        count(this.duplicates.delete(key) ? 'duplicate' : 'handled');
        count('retried', outcome.attempts - 1);
        break;
      }
      case 'dead-letter':
        count('dead_lettered');
        count('retried', outcome.attempts - 1);
        break;
      case 'skipped':
        count('skipped');
        break;
      case 'requeue':
        count('retried');
        break;
      case 'stopped':
        break;
    }
    return outcome;
  }

  consumerLag(consumerName: string, topic: string, partition: number | undefined, lag: number | undefined): void {
    const labels = partition === undefined ? { consumer: consumerName, topic } : { consumer: consumerName, topic, partition: String(partition) };
    if (lag === undefined) this.consumerLagGauge.remove(labels);
    else this.consumerLagGauge.set(labels, lag);
  }

  async inboxDecision<T>(consumerName: string, eventId: string, decide: () => Promise<T>, decision: (result: T) => string): Promise<T> {
    const result = await decide();
    if (decision(result) === 'duplicate') {
      // An inbox used outside a consumer never reaches consume(): bound what it leaves here.
      if (this.duplicates.size >= 10_000) this.duplicates.clear();
      this.duplicates.add(`${consumerName}\u0000${eventId}`);
    }
    return result;
  }
}
