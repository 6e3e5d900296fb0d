export { KafkaMessageBroker } from './kafka-message-broker.js';
export type { KafkaMessageBrokerOptions } from './kafka-message-broker-options.interface.js';
export { KafkaEventConsumer } from './kafka-event-consumer.js';
export type { KafkaEventConsumerOptions } from './kafka-event-consumer-options.interface.js';
export { kafkaConfigFromUrl, KAFKA_CLIENT_DEFAULTS, KAFKA_CONSUMER_DEFAULTS } from './kafka-client-config.js';
export type { BrokerConsumerStatus } from '../../consumers/transport/broker-event-consumer.server.js';
export { KafkaDeadLetterStore } from './kafka-dead-letter-store.js';
export type { KafkaDeadLetterStoreOptions } from './kafka-dead-letter-store-options.interface.js';
