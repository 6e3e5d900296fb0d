/** Exchange (type `topic`) events are published to when none is configured; routing key = event topic. @publicApi */
export const DEFAULT_AMQP_EXCHANGE = 'cqrs.events';
/** AMQP header carrying the event's ordering key (AMQP messages have no key of their own). @publicApi */
export const AMQP_KEY_HEADER = 'key';
/** How long a publish (the broker's, or a consumer's dead letter) waits for its confirm. */
export const DEFAULT_AMQP_PUBLISH_TIMEOUT_MS = 30_000;
/** How often a consumer asks for its queues' ready messages when metrics are on (`AmqpEventConsumerOptions.lagIntervalMs`). */
export const DEFAULT_AMQP_LAG_INTERVAL_MS = 15_000;

/**
 * Which RabbitMQ objects a producer and a consumer declare and use:
 * - `'default'`: a durable exchange (`topic` type) that producers publish to
 *   by routing key = topic, and one durable queue per consuming service,
 *   bound by the topics it reads, with a dead-letter exchange (`x-dead-letter-exchange`).
 *   Messages are persistent and carry the event headers.
 * - `'python-cqrs'`: exactly what python-cqrs (every version) declares, so a
 *   python-cqrs publisher or consumer on the same vhost works with no manual
 *   binding: a non-durable, auto-delete `direct` exchange; one non-durable
 *   queue per topic, named after the topic and bound to that exchange by
 *   routing key = topic (the producer declares and binds it); consumers read
 *   the queue named after each topic and bind nothing. Messages are
 *   non-persistent and carry no headers. See docs/python-cqrs.md for what
 *   this gives up.
 * @publicApi
 */
export type AmqpTopology = 'default' | 'python-cqrs';

/** Every {@link AmqpTopology}. @publicApi */
export const AMQP_TOPOLOGIES: readonly AmqpTopology[] = ['default', 'python-cqrs'];

/**
 * Exchange the producer publishes to in the `'python-cqrs'` topology when
 * none is configured (python-cqrs itself has no default: set `exchange` to
 * the python services' `exchange_name` to share theirs). Not `cqrs.events`:
 * the same name with the other topology's settings fails with `PRECONDITION_FAILED`.
 * @publicApi
 */
export const DEFAULT_PYTHON_CQRS_EXCHANGE = 'cqrs.events.python-cqrs';
