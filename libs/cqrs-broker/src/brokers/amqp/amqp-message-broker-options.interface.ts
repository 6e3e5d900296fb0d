import type { AmqpConnectionManagerOptions } from 'amqp-connection-manager';

/**
 * Options of {@link AmqpMessageBroker}.
 * @publicApi
 */
export interface AmqpMessageBrokerOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`); several for a cluster. */
  readonly url: string | readonly string[];
  /**
   * Exchange to publish to, or a function of the event topic. Exchanges are
   * declared durable, of type `exchangeType`.
   * @default 'cqrs.events'
   */
  readonly exchange?: string | ((topic: string) => string);
  /**
   * Type of the exchanges declared.
   * @default 'topic'
   */
  readonly exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
  /**
   * Routing key of a topic.
   * @default the topic itself
   */
  readonly routingKey?: (topic: string) => string;
  /**
   * Bound on one `publish`: a message not confirmed by then (broker down,
   * reconnecting) rejects the publish, so the relay retries it.
   * @default 30_000 (30 s)
   */
  readonly publishTimeoutMs?: number;
  /**
   * Publish with the `mandatory` flag: a message no queue is
   * bound to is returned by RabbitMQ instead of silently dropped, and the
   * publish rejects, so the outbox relay keeps the event and retries it until
   * a consumer has declared its queue. Set false to let RabbitMQ drop
   * unroutable messages.
   * @default true
   */
  readonly mandatory?: boolean;
  /**
   * Shown in the RabbitMQ management UI and `rabbitmqctl list_connections`.
   * @default none
   */
  readonly connectionName?: string;
  /**
   * amqp-connection-manager options (heartbeat, reconnect delay, TLS in `connectionOptions`).
   * @default heartbeat 5 s, reconnect after 1 s
   */
  readonly connection?: AmqpConnectionManagerOptions;
}
