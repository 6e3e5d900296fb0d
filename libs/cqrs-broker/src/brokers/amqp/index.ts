export { AmqpMessageBroker } from './amqp-message-broker.js';
export type { AmqpMessageBrokerOptions } from './amqp-message-broker-options.interface.js';
export { AmqpEventConsumer } from './amqp-event-consumer.js';
export type { AmqpEventConsumerOptions } from './amqp-event-consumer-options.interface.js';
export { DEFAULT_AMQP_EXCHANGE, AMQP_KEY_HEADER, AMQP_TOPOLOGIES, DEFAULT_PYTHON_CQRS_EXCHANGE, type AmqpTopology } from './amqp-defaults.js';
export type { BrokerConsumerStatus } from '../../consumers/transport/broker-event-consumer.server.js';
export { AmqpDeadLetterStore } from './amqp-dead-letter-store.js';
export type { AmqpDeadLetterStoreOptions } from './amqp-dead-letter-store-options.interface.js';
