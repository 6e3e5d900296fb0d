import type { AmqpConnectionManagerOptions } from 'amqp-connection-manager';
import type { AmqpTopology } from './amqp-defaults.js';

/**
 * Options of {@link AmqpEventConsumer}.
 * @publicApi
 */
export interface AmqpEventConsumerOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`); several for a cluster. */
  readonly url: string | readonly string[];
  /**
   * What is declared and read: `'python-cqrs'` reads the queue named after
   * each topic, declared as python-cqrs declares it (non-durable, no
   * arguments), and binds nothing, so a python-cqrs publisher's messages
   * arrive with no manual binding. See `AmqpTopology` and docs/python-cqrs.md.
   * @default 'default'
   */
  readonly topology?: AmqpTopology;
  /**
   * This service's durable queue: instances of one service share it.
   * Required in the default topology. In the python-cqrs topology the queues
   * are the topics' and this only names the dead-letter exchange and queue
   * (default there: the `EventConsumerModule` consumer name).
   */
  readonly queue?: string;
  /**
   * Exchange (type `topic`) the producers publish to (not used in the python-cqrs topology).
   * @default 'cqrs.events'
   */
  readonly exchange?: string;
  /**
   * Binding keys of the queue; in the python-cqrs topology, the topics whose
   * queues are read (a python-cqrs 0.0.x publisher sends every event to one
   * queue, its `queue_name`: list that name).
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
   * @default `${queue}.dlx` (python-cqrs topology without `queue`: `${consumer name}.dlx`)
   */
  readonly deadLetterExchange?: string;
  /**
   * Queue bound to the dead-letter exchange.
   * @default `${queue}.dlq` (python-cqrs topology without `queue`: `${consumer name}.dlq`)
   */
  readonly deadLetterQueue?: string;
  /**
   * Extra arguments of the queue declaration (e.g. `x-queue-type: quorum`);
   * not used in the python-cqrs topology, whose queues have none.
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
   * With `CqrsBrokerModule`'s `metrics` on, how often the consumer asks
   * RabbitMQ how many messages are ready in each queue it reads
   * (`checkQueue`), for `cqrs_broker_consumer_lag{consumer,topic=<queue>}`:
   * one small request per queue per interval on the consumer's channel.
   * Metrics off: never asked.
   * @default 15_000 (15 s)
   */
  readonly lagIntervalMs?: number;
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
