import type { BrokerMessage } from './broker-message.js';

/** Injection token of the configured {@link MessageBroker}. @publicApi */
export const MESSAGE_BROKER = Symbol('cqrs-broker:message-broker');

/**
 * Sends messages to a broker. `publish` resolves only once the broker has
 * accepted every message (Kafka acks, RabbitMQ publisher confirms); if it
 * rejects, callers must assume none of the batch was delivered and retry.
 * @publicApi
 */
export interface MessageBroker {
  publish(messages: readonly BrokerMessage[]): Promise<void>;
  /** Flushes and releases connections. */
  close?(): Promise<void>;
}
