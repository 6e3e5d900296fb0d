import type { AmqpConnectionManagerOptions } from 'amqp-connection-manager';

/**
 * Options of {@link AmqpMessageBroker}.
 * @publicApi
 */
export interface AmqpMessageBrokerOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`); several for a cluster. */
  readonly url: string | readonly string[];
  /**
   * Exchange to publish to, or a function of the event topic. Default
   * `cqrs.events`. Exchanges are declared durable, of type `exchangeType`.
   */
  readonly exchange?: string | ((topic: string) => string);
  /** Default `topic`. */
  readonly exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
  /** Routing key of a topic. Default: the topic itself. */
  readonly routingKey?: (topic: string) => string;
  /**
   * Bound on one `publish`: a message not confirmed by then (broker down,
   * reconnecting) rejects the publish, so the relay retries it. Default 30 s.
   */
  readonly publishTimeoutMs?: number;
  /** Shown in the RabbitMQ management UI and `rabbitmqctl list_connections`. */
  readonly connectionName?: string;
  /** amqp-connection-manager options (heartbeat, reconnect delay, TLS in `connectionOptions`). */
  readonly connection?: AmqpConnectionManagerOptions;
}
