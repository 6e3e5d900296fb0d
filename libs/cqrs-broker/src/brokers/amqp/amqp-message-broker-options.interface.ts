import type { AmqpConnectionManagerOptions } from 'amqp-connection-manager';
import type { AmqpTopology } from './amqp-defaults.js';

/**
 * Options of {@link AmqpMessageBroker}.
 * @publicApi
 */
export interface AmqpMessageBrokerOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`); several for a cluster. */
  readonly url: string | readonly string[];
  /**
   * What is declared and how messages are sent: `'python-cqrs'` declares, per
   * topic, what a python-cqrs publisher declares (the topic's non-durable
   * queue bound by routing key = topic to a non-durable, auto-delete `direct`
   * exchange) and sends non-persistent messages without headers, so a
   * python-cqrs consumer reading the queue named after the topic gets them
   * with no manual binding. See `AmqpTopology` and docs/python-cqrs.md.
   * @default 'default'
   */
  readonly topology?: AmqpTopology;
  /**
   * Exchange to publish to, or a function of the event topic. Exchanges are
   * declared durable, of type `exchangeType` (python-cqrs topology: as
   * python-cqrs declares them, `direct`, non-durable, auto-delete).
   * @default 'cqrs.events'; 'cqrs.events.python-cqrs' in the python-cqrs topology
   */
  readonly exchange?: string | ((topic: string) => string);
  /**
   * Type of the exchanges declared (python-cqrs topology: `direct` only).
   * @default 'topic'; 'direct' in the python-cqrs topology
   */
  readonly exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
  /**
   * Routing key of a topic; in the python-cqrs topology also the name of the
   * queue declared for it (a python-cqrs 0.0.x consumer reads one queue,
   * its `queue_name`, for every event: map every topic to that name).
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
