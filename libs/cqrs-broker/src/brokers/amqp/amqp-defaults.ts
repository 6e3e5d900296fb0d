/** Exchange (type `topic`) events are published to when none is configured; routing key = event topic. @publicApi */
export const DEFAULT_AMQP_EXCHANGE = 'cqrs.events';
/** AMQP header carrying the event's ordering key (AMQP messages have no key of their own). @publicApi */
export const AMQP_KEY_HEADER = 'key';
/** How long a publish (the broker's, or a consumer's dead letter) waits for its confirm. */
export const DEFAULT_AMQP_PUBLISH_TIMEOUT_MS = 30_000;
