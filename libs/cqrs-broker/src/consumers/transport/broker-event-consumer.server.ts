import { Logger, type LoggerService } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ConfigurationException } from '../../errors/configuration.exception.js';
import { ConsumerNotStartedException } from '../../errors/consumer-not-started.exception.js';
import { CONSUMER_MODULE_MISSING, NO_TOPICS_TO_CONSUME } from '../../errors/messages.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumed-message.js';
import { deadLetterHeaders, type DeadLetterRoute } from '../dead-letter.js';
import type { ConsumerSetup } from './event-transport.controller.js';
import { CONSUME_EVENT_PATTERN, CONSUMER_SETUP_PATTERN, CQRS_BROKER_TRANSPORT } from './event-transport.constants.js';

/** Status a broker consumer reports through `status`. @publicApi */
export type BrokerConsumerStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Base of every consumer strategy (Kafka, RabbitMQ, in-memory). It owns what
 * they share: the listen/close/unwrap lifecycle, the one route into the app
 * (the patterns of the `EventTransportController` that `EventConsumerModule`
 * registers) and dead-lettering. A transport only implements its broker's
 * connection, delivery and acknowledgement, through {@link connect},
 * {@link disconnect} and {@link client}.
 *
 * Logs go to a Logger named after the transport class, each line starting
 * with the consumer name. Its `transportId` is `CQRS_BROKER_TRANSPORT`.
 */
export abstract class BrokerEventConsumer extends Server<Record<string, Function>, BrokerConsumerStatus> implements CustomTransportStrategy {
  protected override readonly logger = new Logger(this.constructor.name);
  /** {@link logger} with the consumer name in front of every line: what transports log through. */
  protected readonly log: Pick<LoggerService, 'log' | 'warn' | 'error'> = {
    log: (message: string) => this.logger.log(`${this.consumerName}: ${message}`),
    warn: (message: string) => this.logger.warn(`${this.consumerName}: ${message}`),
    error: (message: string, stack?: string) => this.logger.error(`${this.consumerName}: ${message}`, stack),
  };
  private readonly listeners = new Map<string, Set<Function>>();
  private stopping = new AbortController();
  private setup?: ConsumerSetup;

  /** `topics`: what to read; `undefined` reads the topics of the app's registered integration events. */
  protected constructor(private readonly topics: readonly string[] | undefined) {
    super();
    // Nest registers on this server only the patterns bound to this transport (or to none).
    this.setTransportId(CQRS_BROKER_TRANSPORT);
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error) => callback(error),
    );
  }

  async close(): Promise<void> {
    // Retries in progress see the abort and end with `stopped`, so disconnecting does not wait out a backoff.
    this.stopping.abort();
    await this.disconnect();
    this.setStatus('closed');
  }

  unwrap<T>(): T {
    const client = this.client();
    if (client === undefined) throw new ConsumerNotStartedException(this.constructor.name);
    return client as T;
  }

  on(event: string, callback: Function): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(callback);
  }

  /** Connects to the broker and starts delivering messages of `topics` to {@link consume}. */
  protected abstract connect(topics: string[], setup: ConsumerSetup): Promise<void>;
  /** Stops delivering and lets go of the broker; the stop signal is already aborted. */
  protected abstract disconnect(): Promise<void>;
  /** The broker client `unwrap()` returns; `undefined` while not started. */
  protected abstract client(): unknown;

  /** The `EventConsumerModule` consumer name, owned by the pipeline (known once started): logs and dead letters use it. */
  protected get consumerName(): string {
    return this.setup?.consumerName ?? this.constructor.name;
  }

  /** Who shares this consumer's messages (Kafka group, RabbitMQ queue), written on dead letters as `x-dead-letter-group`. Default: the consumer name. */
  protected get consumerGroup(): string {
    return this.consumerName;
  }

  /**
   * Whether anything records the lag {@link reportLag} reports (metrics on):
   * a transport that has to ask its broker for it asks only then.
   */
  protected get reportsLag(): boolean {
    return this.setup?.reportLag !== undefined;
  }

  /**
   * Reports the lag the broker told: messages of `topic` (a partition of it,
   * or a queue with `partition` undefined) not consumed yet; `undefined`
   * when the consumer no longer reads it. Nothing when no one records it.
   */
  protected reportLag(topic: string, partition: number | undefined, lag: number | undefined): void {
    this.setup?.reportLag?.(topic, partition, lag);
  }

  /** Aborted by `close()`. */
  protected get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  protected emitEvent(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }

  protected setStatus(status: BrokerConsumerStatus): void {
    this._status$.next(status);
  }

  /**
   * Runs the app's consumer pipeline on one message and, when it gives up,
   * publishes the dead letter through `deadLetter`. Resolves with the outcome
   * once the message may be acknowledged (`handled`, `dead-letter`), or
   * `stopped` (leave it unacknowledged), or `requeue` (hand it back
   * unacknowledged for a later delivery: an outage outlasted the bound, or
   * the dead-letter publish failed, e.g. the broker is down). `signal`, when
   * given, aborts this message's retries like `close()` does.
   */
  protected async consume(message: ConsumedMessage, deadLetter: DeadLetterRoute): Promise<ConsumeOutcome> {
    const signal = message.signal ? AbortSignal.any([this.stopping.signal, message.signal]) : this.stopping.signal;
    const outcome = await this.call<ConsumeOutcome>(CONSUME_EVENT_PATTERN, { ...message, signal });
    if (outcome.status !== 'dead-letter') return outcome;
    const { reason, attempts } = outcome;
    try {
      await deadLetter.publish(
        deadLetterHeaders(message.headers, { reason, attempts, consumer: this.consumerName, group: this.consumerGroup }, deadLetter.originHeaders),
      );
    } catch (error) {
      // Bounded by the transport's publish timeout: the message stays unacknowledged and comes back.
      const failure = `could not dead-letter ${deadLetter.origin} to ${deadLetter.destination} (${(error as Error)?.message ?? error}); handing it back unacknowledged`;
      this.log.error(failure);
      return { status: 'requeue', reason: failure, attempts };
    }
    this.log.warn(`dead-lettered ${deadLetter.origin} to ${deadLetter.destination}: ${reason}`);
    return outcome;
  }

  private async start(): Promise<void> {
    this.setStatus('connecting');
    this.stopping = new AbortController();
    this.setup = await this.call<ConsumerSetup>(CONSUMER_SETUP_PATTERN, {});
    const topics = this.topics ? [...this.topics] : this.setup.topics;
    if (!topics.length) throw new ConfigurationException(NO_TOPICS_TO_CONSUME(this.constructor.name));
    await this.connect(topics, this.setup);
  }

  private async call<T>(pattern: string, data: unknown): Promise<T> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new ConfigurationException(CONSUMER_MODULE_MISSING(this.constructor.name, pattern));
    return lastValueFrom(this.transformToObservable(await handler(data))) as Promise<T>;
  }
}
