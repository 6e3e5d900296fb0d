import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { DeadLetterHeaders, type DeadLetterRoute } from '../../consumers/dead-letter.js';
import { BrokerEventConsumer } from '../../consumers/transport/broker-event-consumer.server.js';
import { createAmqpConnection } from './amqp-connection.js';
import { AMQP_KEY_HEADER, DEFAULT_AMQP_EXCHANGE, DEFAULT_AMQP_LAG_INTERVAL_MS, DEFAULT_AMQP_PUBLISH_TIMEOUT_MS, type AmqpTopology } from './amqp-defaults.js';
import type { AmqpEventConsumerOptions } from './amqp-event-consumer-options.interface.js';
import { PYTHON_CQRS_QUEUE, resolveAmqpTopology } from './amqp-topology.js';
import { InvalidOptionException } from '../../errors/invalid-option.exception.js';
import { withTimeout } from '../../retry/with-timeout.js';
import { stringAmqpHeaders } from './amqp-headers.js';

/**
 * A Nest microservice transport that feeds RabbitMQ events to the app's
 * `EventConsumerPipeline`. A custom strategy rather than Nest's `ServerRMQ`,
 * which leaves acknowledgement, retries and dead letters to each handler.
 *
 * It declares the exchange (`topic`), the service's durable queue bound by
 * routing keys, and a dead-letter exchange and queue. Deliveries use manual
 * acknowledgement and are handled one at a time in queue order: a message is
 * acked only after its handlers finished; a failing handler is retried with
 * backoff, then the message is published (confirmed) to the dead-letter
 * exchange with `x-dead-letter-reason` and `x-delivery-attempts` and acked;
 * a malformed message goes there at once. Unacked messages of a lost
 * connection are redelivered by the broker. During an outage of what the
 * handlers need, the message in progress stays unacked while it is retried
 * (prefetch bounds what waits behind it); a message handed back (`requeue`:
 * the outage outlasted its bound, or the dead-letter publish failed) goes
 * back to the queue with every prefetched message behind it (nack-all with
 * requeue), so they come again in queue order.
 *
 * With `topology: 'python-cqrs'` it reads, as a python-cqrs consumer does,
 * the queue named after each topic, declared as python-cqrs declares it
 * (non-durable, no arguments), and binds nothing: a python-cqrs publisher
 * declares and binds that queue itself. Dead letters still go, published by
 * this consumer, to its dead-letter exchange and queue (named after `queue`,
 * else the consumer name). Instances of one service share the topic's queue,
 * and so do all services reading that topic: each message reaches one of them.
 *
 * With `metrics` on it reports `cqrs_broker_consumer_lag{consumer,topic}`
 * (`topic`: the queue) as RabbitMQ tells it: the queue's ready messages
 * (`checkQueue`'s `messageCount`, which leaves out the up to `prefetch`
 * delivered and not yet acknowledged), asked at connect and then every
 * `lagIntervalMs`. Closing drops the series.
 *
 * @example
 * app.connectMicroservice({ strategy: new AmqpEventConsumer({ url: process.env.BROKER_URL!, queue: 'meeting-notifications' }) });
 * await app.startAllMicroservices();
 * @publicApi
 */
export class AmqpEventConsumer extends BrokerEventConsumer {
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  /** Bumped on every new channel: a delivery tag is only valid on the channel that delivered it. */
  private generation = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Bumped when a message is handed back: every delivery before it goes back with it (nackAll) and is skipped here. */
  private epoch = 0;
  private readonly publishTimeoutMs: number;
  private readonly topology: AmqpTopology;
  private readonly lagIntervalMs: number;
  private lagTimer?: NodeJS.Timeout;
  /** A channel of its own for the checks: a check of a vanished queue (404) closes its channel, and must not close the consuming one (its unacknowledged deliveries would be redelivered). */
  private lagChannel?: ChannelWrapper;
  /** The queues whose lag is reported. */
  private lagQueues: readonly string[] = [];

  constructor(private readonly options: AmqpEventConsumerOptions) {
    super(options.routingKeys);
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_AMQP_PUBLISH_TIMEOUT_MS;
    this.topology = resolveAmqpTopology(options.topology);
    if (this.topology === 'default' && !options.queue) throw new InvalidOptionException('queue', "a queue name (required with topology 'default')", options.queue);
    this.lagIntervalMs = options.lagIntervalMs ?? DEFAULT_AMQP_LAG_INTERVAL_MS;
    if (!Number.isFinite(this.lagIntervalMs) || this.lagIntervalMs <= 0) throw new InvalidOptionException('lagIntervalMs', 'a finite number > 0', options.lagIntervalMs);
  }

  /** A consumer for an `amqp://user:pass@host:port/vhost` URL. */
  static fromUrl(url: string, options: Omit<AmqpEventConsumerOptions, 'url'>): AmqpEventConsumer {
    return new AmqpEventConsumer({ ...options, url });
  }

  get deadLetterExchange(): string {
    return this.options.deadLetterExchange ?? `${this.consumerGroup}.dlx`;
  }

  get deadLetterQueue(): string {
    return this.options.deadLetterQueue ?? `${this.consumerGroup}.dlq`;
  }

  /** `queue`; in the python-cqrs topology, where the queues are the topics', `queue` if set, else the consumer name. */
  protected override get consumerGroup(): string {
    return this.options.queue ?? this.consumerName;
  }

  protected async connect(routingKeys: string[]): Promise<void> {
    if (this.topology === 'python-cqrs') return this.connectPythonCqrs(routingKeys);
    const exchange = this.options.exchange ?? DEFAULT_AMQP_EXCHANGE;
    const queue = this.options.queue!;
    this.connection = createAmqpConnection(this.options.url, this.log, this.options);
    this.connection.on('connect', () => this.setStatus('connected'));
    this.connection.on('disconnect', () => this.setStatus('disconnected'));
    this.channel = this.connection.createChannel({
      name: `cqrs-broker-consumer:${queue}`,
      confirm: true,
      json: false,
      publishTimeout: this.publishTimeoutMs,
      setup: async (channel: ConfirmChannel) => {
        this.generation++;
        await channel.assertExchange(exchange, 'topic', { durable: true });
        await channel.assertExchange(this.deadLetterExchange, 'fanout', { durable: true });
        await channel.assertQueue(this.deadLetterQueue, { durable: true });
        await channel.bindQueue(this.deadLetterQueue, this.deadLetterExchange, '');
        await channel.assertQueue(queue, {
          durable: true,
          arguments: { 'x-dead-letter-exchange': this.deadLetterExchange, ...this.options.queueArguments },
        });
        for (const routingKey of routingKeys) await channel.bindQueue(queue, exchange, routingKey);
      },
    });
    // Setup errors land here (e.g. PRECONDITION_FAILED: the queue exists with other arguments); the wrapper retries after each reconnect.
    this.channel.on('error', (error) => this.log.error(`channel of queue ${queue} failed: ${(error as Error).message}`));
    await this.channel.waitForConnect();
    await this.channel.consume(
      queue,
      (message) => {
        const [generation, epoch] = [this.generation, this.epoch];
        // One at a time, in delivery order; prefetch only keeps the next ones at hand.
        this.tail = this.tail.then(() => (epoch === this.epoch ? this.handle(message, generation) : undefined));
      },
      { noAck: false, prefetch: this.options.prefetch ?? 20 },
    );
    this.startLagChecks([queue]);
    this.log.log(`consuming queue ${queue} (bound to ${exchange} by ${routingKeys.join(', ')})`);
  }

  /** The python-cqrs topology: one queue per topic, named after it, declared as python-cqrs declares it; no exchange, no binding. */
  private async connectPythonCqrs(topics: string[]): Promise<void> {
    this.connection = createAmqpConnection(this.options.url, this.log, this.options);
    this.connection.on('connect', () => this.setStatus('connected'));
    this.connection.on('disconnect', () => this.setStatus('disconnected'));
    this.channel = this.connection.createChannel({
      name: `cqrs-broker-consumer:${this.consumerGroup}`,
      confirm: true,
      json: false,
      publishTimeout: this.publishTimeoutMs,
      setup: async (channel: ConfirmChannel) => {
        this.generation++;
        await channel.assertExchange(this.deadLetterExchange, 'fanout', { durable: true });
        await channel.assertQueue(this.deadLetterQueue, { durable: true });
        await channel.bindQueue(this.deadLetterQueue, this.deadLetterExchange, '');
        for (const topic of topics) await channel.assertQueue(topic, PYTHON_CQRS_QUEUE);
      },
    });
    this.channel.on('error', (error) => this.log.error(`channel of queues ${topics.join(', ')} failed: ${(error as Error).message}`));
    await this.channel.waitForConnect();
    for (const topic of topics) {
      await this.channel.consume(
        topic,
        (message) => {
          const [generation, epoch] = [this.generation, this.epoch];
          // One at a time, in delivery order across the topics' queues.
          this.tail = this.tail.then(() => (epoch === this.epoch ? this.handle(message, generation, topic) : undefined));
        },
        { noAck: false, prefetch: this.options.prefetch ?? 20 },
      );
    }
    this.startLagChecks(topics);
    this.log.log(`consuming queue(s) ${topics.join(', ')} (python-cqrs topology: non-durable queues named after the topics, no bindings)`);
  }

  protected async disconnect(): Promise<void> {
    this.stopLagChecks();
    await this.channel?.cancelAll().catch(() => undefined);
    await this.tail;
    // Closing the channel hands unacked deliveries back to the queue.
    await this.channel?.close();
    await this.connection?.close();
    this.channel = this.connection = undefined;
  }

  protected client(): AmqpConnectionManager | undefined {
    return this.connection;
  }

  /** With metrics on: reports the ready messages of `queues` now, then every `lagIntervalMs` (one check at a time). */
  private startLagChecks(queues: readonly string[]): void {
    if (!this.reportsLag || !this.connection) return;
    this.lagQueues = queues;
    const lagChannel = (this.lagChannel = this.connection.createChannel({ name: `cqrs-broker-consumer-lag:${this.consumerGroup}`, json: false }));
    lagChannel.on('error', () => undefined);
    let checking = false;
    const check = async () => {
      if (checking) return;
      checking = true;
      try {
        for (const queue of queues) {
          if (this.lagChannel !== lagChannel) return;
          // Not connected (reconnecting), or the queue is gone: the last value stands until the next check.
          const reply = await lagChannel.checkQueue(queue).catch(() => undefined);
          if (reply && this.lagTimer) this.reportLag(queue, undefined, reply.messageCount);
        }
      } finally {
        checking = false;
      }
    };
    this.lagTimer = setInterval(() => void check(), this.lagIntervalMs);
    this.lagTimer.unref();
    void check();
  }

  private stopLagChecks(): void {
    if (!this.lagTimer) return;
    clearInterval(this.lagTimer);
    this.lagTimer = undefined;
    void this.lagChannel?.close().catch(() => undefined);
    this.lagChannel = undefined;
    for (const queue of this.lagQueues) this.reportLag(queue, undefined, undefined);
    this.lagQueues = [];
  }

  /** `queue`: the queue it was read from, in the python-cqrs topology (its topic); else the routing key is the topic. */
  private async handle(message: ConsumeMessage, generation: number, queue?: string): Promise<void> {
    try {
      const headers = stringAmqpHeaders(message);
      const topic = queue ?? message.fields.routingKey;
      const outcome = await this.consume({ topic, body: message.content, headers, key: headers[AMQP_KEY_HEADER] }, this.deadLetterRoute(message, topic));
      if (outcome.status === 'stopped') return; // left unacked: the broker redelivers it after we close
      // requeue: an outage outlasted its bound, or the dead letter could not be published: hand it back.
      this.settle(message, generation, outcome.status === 'requeue' ? 'requeue' : 'ack');
    } catch (error) {
      // Infrastructure failure (dead-letter publish, transport): hand the message back to the queue.
      this.log.error(`could not finish a message of ${message.fields.routingKey}: ${(error as Error)?.message ?? error}; requeueing it`);
      this.settle(message, generation, 'requeue');
    }
  }

  private deadLetterRoute(message: ConsumeMessage, topic: string): DeadLetterRoute {
    const { exchange, routingKey } = message.fields;
    const channel = this.channel!;
    return {
      origin: `a message of ${topic}`,
      destination: this.deadLetterExchange,
      originHeaders: {
        [DeadLetterHeaders.originalExchange]: exchange,
        [DeadLetterHeaders.originalRoutingKey]: routingKey,
        [DeadLetterHeaders.originalTopic]: topic,
      },
      // Confirmed, and bounded: the channel's publishTimeout, and withTimeout in case the wrapper's own bound does not fire.
      publish: async (headers) =>
        void (await withTimeout(
          channel.publish(this.deadLetterExchange, routingKey, message.content, { ...message.properties, persistent: true, headers, timeout: this.publishTimeoutMs }),
          this.publishTimeoutMs + 1_000,
          () => `RabbitMQ dead-letter publish to ${this.deadLetterExchange} not confirmed within ${this.publishTimeoutMs} ms`,
        )),
    };
  }

  private settle(message: ConsumeMessage, generation: number, how: 'ack' | 'requeue'): void {
    // A delivery tag of a closed channel is unknown to the new one (acking it would close the channel): the broker redelivers it anyway.
    if (generation !== this.generation || !this.channel) return;
    if (how === 'ack') return this.channel.ack(message);
    // Hand back this message and the prefetched ones behind it together, so RabbitMQ delivers them again in queue order.
    this.epoch++;
    this.channel.nackAll(true);
  }
}
