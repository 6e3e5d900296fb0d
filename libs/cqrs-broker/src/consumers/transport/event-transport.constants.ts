/** Message pattern under which broker transports hand messages to the consumer pipeline. */
export const CONSUME_EVENT_PATTERN = 'cqrs-broker.consume-event';
/** Message pattern that answers what a transport needs from the app when it starts ({@link ConsumerSetup}). */
export const CONSUMER_SETUP_PATTERN = 'cqrs-broker.consumer-setup';
/**
 * The `transportId` of every consumer transport of this library (Kafka,
 * RabbitMQ, in-memory), distinct from each of Nest's `Transport` values, and
 * the transport the patterns above are bound to: in a hybrid app Nest's own
 * servers (`ServerKafka`, `ServerRMQ`, …) never get them in their handler
 * maps, and a handler bound to one of Nest's transports
 * (`@EventPattern(pattern, Transport.KAFKA)`) never lands in ours.
 * @publicApi
 */
export const CQRS_BROKER_TRANSPORT: unique symbol = Symbol('cqrs-broker');
