import { Logger } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../broker-message.js';
import type { BrokerConnectionStatus, MessageBroker } from '../message-broker.interface.js';
import { createAmqpConnection } from './amqp-connection.js';
import { AMQP_KEY_HEADER, DEFAULT_AMQP_EXCHANGE, DEFAULT_AMQP_PUBLISH_TIMEOUT_MS, DEFAULT_PYTHON_CQRS_EXCHANGE, type AmqpTopology } from './amqp-defaults.js';
import type { AmqpMessageBrokerOptions } from './amqp-message-broker-options.interface.js';
import { PYTHON_CQRS_EXCHANGE, PYTHON_CQRS_EXCHANGE_TYPE, PYTHON_CQRS_QUEUE, resolveAmqpTopology } from './amqp-topology.js';
import { InvalidOptionException } from '../../errors/invalid-option.exception.js';
import { UnroutableMessageException } from '../../errors/unroutable-message.exception.js';

/** What one publish needs declared: an exchange, and in the python-cqrs topology the topic's queue bound to it. */
interface Destination {
  readonly exchange: string;
  readonly routingKey: string;
  /** `exchange` alone, or `exchange` + queue: the key of {@link AmqpMessageBroker.declared}. */
  readonly id: string;
}

/**
 * Publishes events to RabbitMQ through a confirm channel: `publish` resolves
 * only once the broker confirmed every message of the batch (all are sent
 * first, then the confirms are awaited together). Messages are persistent,
 * `messageId` is the event id, `type` the event name, and the event headers
 * (`event-id`, `event-name`, `content-type`, `correlation-id`, `traceparent`,
 * `key`) are AMQP headers. The exchange and routing key come from the topic.
 *
 * With `topology: 'python-cqrs'` it declares what python-cqrs's publisher
 * declares before each message's first publish (the topic's non-durable
 * queue, the non-durable auto-delete `direct` exchange, the binding by
 * routing key = queue name) and publishes non-persistent messages with no
 * headers (only `messageId`, for the unroutable check).
 *
 * The connection reconnects by itself; while it is down a publish waits at
 * most `publishTimeoutMs`, then rejects, and the caller (the outbox relay)
 * retries: nothing counts as published before its confirm.
 *
 * @example
 * CqrsBrokerModule.forRoot({ broker: new AmqpMessageBroker({ url: process.env.BROKER_URL!, exchange: 'meetings' }) });
 * @publicApi
 */
export class AmqpMessageBroker implements MessageBroker {
  private readonly logger = new Logger(AmqpMessageBroker.name);
  private readonly connection: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  /** Destinations declared so far, by {@link Destination.id}; re-declared by the channel setup after each reconnect. */
  private readonly declared = new Map<string, Destination>();
  private readonly topology: AmqpTopology;
  private readonly publishTimeoutMs: number;
  private readonly mandatory: boolean;
  /** Ids of messages RabbitMQ returned as unroutable; read (and cleared) once their batch is confirmed. */
  private readonly returned = new Set<string>();
  private closed = false;

  constructor(private readonly options: AmqpMessageBrokerOptions) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_AMQP_PUBLISH_TIMEOUT_MS;
    this.mandatory = options.mandatory ?? true;
    this.topology = resolveAmqpTopology(options.topology);
    if (this.topology === 'python-cqrs' && options.exchangeType !== undefined && options.exchangeType !== PYTHON_CQRS_EXCHANGE_TYPE) {
      throw new InvalidOptionException('exchangeType', `'${PYTHON_CQRS_EXCHANGE_TYPE}' (or unset) with topology 'python-cqrs'`, options.exchangeType);
    }
    this.connection = createAmqpConnection(options.url, this.logger, options);
    this.channel = this.connection.createChannel({
      name: 'cqrs-broker-publisher',
      confirm: true,
      json: false,
      publishTimeout: this.publishTimeoutMs,
      setup: async (channel: ConfirmChannel) => {
        // RabbitMQ sends basic.return before the confirm of a mandatory message it could not route.
        channel.on('return', (message: ConsumeMessage) => {
          if (message.properties.messageId) this.returned.add(String(message.properties.messageId));
        });
        for (const destination of this.declared.values()) await this.declareDestination(channel, destination);
      },
    });
    this.channel.on('error', (error) => this.logger.warn(`Publisher channel error: ${(error as Error).message}`));
    if (typeof options.exchange !== 'function' && this.topology === 'default') {
      const exchange = options.exchange ?? DEFAULT_AMQP_EXCHANGE;
      this.declared.set(exchange, { exchange, routingKey: '', id: exchange });
    }
  }

  /** A broker for an `amqp://user:pass@host:port/vhost` URL. */
  static fromUrl(url: string, options: Omit<AmqpMessageBrokerOptions, 'url'> = {}): AmqpMessageBroker {
    return new AmqpMessageBroker({ ...options, url });
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    if (!messages.length) return;
    const destinations = messages.map((message) => this.destinationOf(message.topic));
    const undeclared = new Map(destinations.filter((destination) => !this.declared.has(destination.id)).map((destination) => [destination.id, destination]));
    if (undeclared.size) await this.declare([...undeclared.values()]);
    const timestamp = Math.floor(Date.now() / 1000);
    // Send the whole batch, then await the confirms together: no round trip per message.
    try {
      await Promise.all(
        messages.map((message, i) =>
          this.channel.publish(destinations[i].exchange, destinations[i].routingKey, message.body, this.propertiesOf(message, timestamp)),
        ),
      );
    } finally {
      if (this.returned.size) this.throwIfReturned(messages);
    }
  }

  /** A confirmed but returned message reached no queue: fail the publish so the relay keeps and retries it. */
  private throwIfReturned(messages: readonly BrokerMessage[]): void {
    const unroutable = messages.filter((message) => this.returned.delete(message.eventId));
    // python-cqrs topology: the queue we declared is gone (deleted by hand?): declare it again on the retry.
    if (this.topology === 'python-cqrs') for (const message of unroutable) this.declared.delete(this.destinationOf(message.topic).id);
    if (unroutable.length) {
      throw new UnroutableMessageException([...new Set(unroutable.map((message) => message.topic))], unroutable.length);
    }
  }

  /** `connected` while the connection manager holds a connection; `disconnected` while it (re)connects, from the start. */
  connectionStatus(): BrokerConnectionStatus {
    if (this.closed) return 'closed';
    return this.connection.isConnected() ? 'connected' : 'disconnected';
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.channel.close();
    await this.connection.close();
  }

  private propertiesOf(message: BrokerMessage, timestamp: number): Options.Publish & { timeout: number } {
    if (this.topology === 'python-cqrs') {
      // As aio-pika's Message(body=…) that python-cqrs sends: not persistent, no headers; the id lets us match a basic.return.
      const properties = { persistent: false, mandatory: this.mandatory, messageId: message.eventId, timeout: this.publishTimeoutMs };
      const contentType = message.headers[MessageHeaders.contentType];
      if (contentType === undefined || contentType === JSON_CONTENT_TYPE) return properties;
      // Another codec's body (protobuf): python-cqrs 5.x sends such a body with its content type and these two headers.
      return { ...properties, contentType, headers: { event_name: message.eventName, message_id: message.eventId } };
    }
    const headers: Record<string, string> = { ...message.headers };
    if (message.key !== undefined) headers[AMQP_KEY_HEADER] = message.key;
    return {
      persistent: true,
      mandatory: this.mandatory,
      messageId: message.eventId,
      type: message.eventName,
      contentType: message.headers[MessageHeaders.contentType] ?? JSON_CONTENT_TYPE,
      contentEncoding: 'utf-8',
      correlationId: message.headers[MessageHeaders.correlationId],
      timestamp,
      headers,
      timeout: this.publishTimeoutMs,
    };
  }

  /** Exchange and routing key of a topic; in the python-cqrs topology the routing key is also the queue's name. */
  private destinationOf(topic: string): Destination {
    const option = this.options.exchange ?? (this.topology === 'python-cqrs' ? DEFAULT_PYTHON_CQRS_EXCHANGE : DEFAULT_AMQP_EXCHANGE);
    const exchange = typeof option === 'function' ? option(topic) : option;
    const routingKey = this.options.routingKey?.(topic) ?? topic;
    return { exchange, routingKey, id: this.topology === 'python-cqrs' ? `${exchange}\u0000${routingKey}` : exchange };
  }

  private async declare(destinations: readonly Destination[]): Promise<void> {
    const setup = async (channel: ConfirmChannel) => {
      for (const destination of destinations) await this.declareDestination(channel, destination);
    };
    // Runs now if connected; either way the publisher's setup re-declares them after a reconnect.
    for (const destination of destinations) this.declared.set(destination.id, destination);
    await this.channel.addSetup(setup);
    await this.channel.removeSetup(setup);
  }

  private async declareDestination(channel: ConfirmChannel, { exchange, routingKey }: Destination): Promise<void> {
    if (this.topology === 'default') {
      await channel.assertExchange(exchange, this.options.exchangeType ?? 'topic', { durable: true });
      return;
    }
    // python-cqrs's publisher, in its order: the queue named after the topic, the exchange, the binding.
    await channel.assertQueue(routingKey, PYTHON_CQRS_QUEUE);
    await channel.assertExchange(exchange, PYTHON_CQRS_EXCHANGE_TYPE, PYTHON_CQRS_EXCHANGE);
    await channel.bindQueue(routingKey, exchange, routingKey);
  }
}
