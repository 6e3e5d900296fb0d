import type { BrokerMessage } from './broker-message.js';

/** Injection token of the configured {@link MessageBroker}. @publicApi */
export const MESSAGE_BROKER = Symbol('cqrs-broker:message-broker');

/**
 * A producer's connection as {@link MessageBroker.connectionStatus} reports it:
 * `idle` before the first connect (producers that connect on first publish),
 * `connected`, `disconnected` (lost; the client reconnects), `closed` (after `close()`).
 * @publicApi
 */
export type BrokerConnectionStatus = 'idle' | 'connected' | 'disconnected' | 'closed';

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
  /** The producer connection's state, for health checks; cheap, no I/O. */
  connectionStatus?(): BrokerConnectionStatus;
}
