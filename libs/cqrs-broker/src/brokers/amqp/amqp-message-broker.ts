import { Logger } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../broker-message.js';
import type { MessageBroker } from '../message-broker.interface.js';
import { createAmqpConnection } from './amqp-connection.js';
import { AMQP_KEY_HEADER, DEFAULT_AMQP_EXCHANGE, DEFAULT_AMQP_PUBLISH_TIMEOUT_MS } from './amqp-defaults.js';
import type { AmqpMessageBrokerOptions } from './amqp-message-broker-options.interface.js';
import { UnroutableMessageException } from '../../errors/unroutable-message.exception.js';

/**
 * Publishes events to RabbitMQ through a confirm channel: `publish` resolves
 * only once the broker confirmed every message of the batch (all are sent
 * first, then the confirms are awaited together). Messages are persistent,
 * `messageId` is the event id, `type` the event name, and the event headers
 * (`event-id`, `event-name`, `content-type`, `correlation-id`, `traceparent`,
 * `key`) are AMQP headers. The exchange and routing key come from the topic.
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
  /** Exchanges declared so far; re-declared by the channel setup after each reconnect. */
  private readonly declared = new Set<string>();
  private readonly publishTimeoutMs: number;
  private readonly mandatory: boolean;
  /** Ids of messages RabbitMQ returned as unroutable; read (and cleared) once their batch is confirmed. */
  private readonly returned = new Set<string>();

  constructor(private readonly options: AmqpMessageBrokerOptions) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_AMQP_PUBLISH_TIMEOUT_MS;
    this.mandatory = options.mandatory ?? true;
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
        for (const exchange of this.declared) await this.declareExchange(channel, exchange);
      },
    });
    this.channel.on('error', (error) => this.logger.warn(`Publisher channel error: ${(error as Error).message}`));
    if (typeof options.exchange !== 'function') this.declared.add(options.exchange ?? DEFAULT_AMQP_EXCHANGE);
  }

  /** A broker for an `amqp://user:pass@host:port/vhost` URL. */
  static fromUrl(url: string, options: Omit<AmqpMessageBrokerOptions, 'url'> = {}): AmqpMessageBroker {
    return new AmqpMessageBroker({ ...options, url });
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    if (!messages.length) return;
    const exchanges = messages.map((message) => this.exchangeOf(message.topic));
    const undeclared = exchanges.filter((exchange) => !this.declared.has(exchange));
    if (undeclared.length) await this.declare(new Set(undeclared));
    const timestamp = Math.floor(Date.now() / 1000);
    // Send the whole batch, then await the confirms together: no round trip per message.
    try {
      await Promise.all(
        messages.map((message, i) =>
          this.channel.publish(exchanges[i], this.routingKeyOf(message.topic), message.body, this.propertiesOf(message, timestamp)),
        ),
      );
    } finally {
      if (this.returned.size) this.throwIfReturned(messages);
    }
  }

  /** A confirmed but returned message reached no queue: fail the publish so the relay keeps and retries it. */
  private throwIfReturned(messages: readonly BrokerMessage[]): void {
    const unroutable = messages.filter((message) => this.returned.delete(message.eventId));
    if (unroutable.length) {
      throw new UnroutableMessageException([...new Set(unroutable.map((message) => message.topic))], unroutable.length);
    }
  }

  async close(): Promise<void> {
    await this.channel.close();
    await this.connection.close();
  }

  private propertiesOf(message: BrokerMessage, timestamp: number): Options.Publish & { timeout: number } {
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

  private exchangeOf(topic: string): string {
    const exchange = this.options.exchange ?? DEFAULT_AMQP_EXCHANGE;
    return typeof exchange === 'function' ? exchange(topic) : exchange;
  }

  private routingKeyOf(topic: string): string {
    return this.options.routingKey?.(topic) ?? topic;
  }

  private async declare(exchanges: Set<string>): Promise<void> {
    const setup = async (channel: ConfirmChannel) => {
      for (const exchange of exchanges) await this.declareExchange(channel, exchange);
    };
    // Runs now if connected; either way the publisher's setup re-declares them after a reconnect.
    for (const exchange of exchanges) this.declared.add(exchange);
    await this.channel.addSetup(setup);
    await this.channel.removeSetup(setup);
  }

  private async declareExchange(channel: ConfirmChannel, exchange: string): Promise<void> {
    await channel.assertExchange(exchange, this.options.exchangeType ?? 'topic', { durable: true });
  }
}
