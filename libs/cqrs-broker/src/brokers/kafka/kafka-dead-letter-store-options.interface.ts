import type { KafkaConfig } from 'kafkajs';

/**
 * Options of {@link KafkaDeadLetterStore}.
 * @publicApi
 */
export interface KafkaDeadLetterStoreOptions {
  /** kafkajs client config: `brokers`, `ssl`, `sasl`, … passed through as is. */
  readonly client: KafkaConfig;
  /** The topic whose dead letters to handle (the consumer's topic, not its `.DLT`). */
  readonly topic: string;
  /**
   * The dead-letter topic.
   * @default `${topic}.DLT`
   */
  readonly deadLetterTopic?: string;
  /**
   * Compacted topic recording which dead letters were requeued (key
   * `partition:offset`), so no run requeues one twice. Created, with one
   * partition, on the first requeue.
   * @default `${deadLetterTopic}.replayed`
   */
  readonly replayLogTopic?: string;
  /**
   * Bound on reading the dead-letter topic and on each requeue send.
   * @default 30_000 (30 s)
   */
  readonly timeoutMs?: number;
}
