/** Exchange (type `topic`) events are published to when none is configured; routing key = event topic. @publicApi */
export const DEFAULT_AMQP_EXCHANGE = 'cqrs.events';
/** AMQP header carrying the event's ordering key (AMQP messages have no key of their own). @publicApi */
export const AMQP_KEY_HEADER = 'key';
