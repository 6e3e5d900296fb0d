import type { CompressionTypes, KafkaConfig, ProducerConfig } from 'kafkajs';

/**
 * Options of {@link KafkaMessageBroker}.
 * @publicApi
 */
export interface KafkaMessageBrokerOptions {
  /** kafkajs client config: `brokers`, `clientId`, `ssl`, `sasl`, … passed through as is. */
  readonly client: KafkaConfig;
  /**
   * kafkajs producer config. `idempotent` is always on (so is `acks: -1` on
   * every send); `maxInFlightRequests` defaults to 1 so retries cannot reorder
   * one key's events.
   * @default { maxInFlightRequests: 1 }
   */
  readonly producer?: Omit<ProducerConfig, 'idempotent'>;
  /**
   * Compression of each sent batch.
   * @default none
   */
  readonly compression?: CompressionTypes;
  /**
   * Bound on one `publish` (connect included): past it the publish rejects
   * and the caller (the outbox relay) retries later.
   * @default 30_000 (30 s)
   */
  readonly publishTimeoutMs?: number;
}
