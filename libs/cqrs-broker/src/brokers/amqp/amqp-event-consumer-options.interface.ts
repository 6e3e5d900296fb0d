import type { AmqpConnectionManagerOptions } from 'amqp-connection-manager';

/**
 * Options of {@link AmqpEventConsumer}.
 * @publicApi
 */
export interface AmqpEventConsumerOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`); several for a cluster. */
  readonly url: string | readonly string[];
  /** This service's durable queue: instances of one service share it. */
  readonly queue: string;
  /**
   * Exchange (type `topic`) the producers publish to.
   * @default 'cqrs.events'
   */
  readonly exchange?: string;
  /**
   * Binding keys of the queue.
   * @default the topics of the app's registered `@IntegrationEvent` classes
   */
  readonly routingKeys?: readonly string[];
  /**
   * Unacknowledged messages the broker may push ahead. Handling is sequential
   * either way (the queue's order is kept).
   * @default 20
   */
  readonly prefetch?: number;
  /**
   * Dead-letter exchange (type `fanout`).
   * @default `${queue}.dlx`
   */
  readonly deadLetterExchange?: string;
  /**
   * Queue bound to the dead-letter exchange.
   * @default `${queue}.dlq`
   */
  readonly deadLetterQueue?: string;
  /**
   * Extra arguments of the queue declaration (e.g. `x-queue-type: quorum`).
   * The queue is declared with `x-dead-letter-exchange` set to the
   * dead-letter exchange; a queue that already exists with other arguments
   * makes the declaration fail.
   * @default none
   */
  readonly queueArguments?: Readonly<Record<string, unknown>>;
  /**
   * Bound on a dead-letter publish (until RabbitMQ confirms it). Past it the
   * message is nacked with requeue, not acked: it comes back.
   * @default 30_000 (30 s)
   */
  readonly publishTimeoutMs?: number;
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
