import type { ConsumerConfig, KafkaConfig } from 'kafkajs';

/**
 * Options of {@link KafkaEventConsumer}.
 * @publicApi
 */
export interface KafkaEventConsumerOptions {
  /** kafkajs client config: `brokers`, `clientId`, `ssl`, `sasl`, … passed through as is. */
  readonly client: KafkaConfig;
  /** Consumer group: the instances of one service share it, each partition goes to one of them. */
  readonly groupId: string;
  /**
   * Topics to read.
   * @default the topics of the app's registered `@IntegrationEvent` classes
   */
  readonly topics?: readonly string[];
  /**
   * Where a new consumer group starts: `true` is the earliest offset, so
   * events published before the consumer first started are not skipped.
   * @default true
   */
  readonly fromBeginning?: boolean;
  /**
   * Other kafkajs consumer settings (session timeout, max bytes, …), over
   * `KAFKA_CONSUMER_DEFAULTS`.
   * @default { sessionTimeout: 10_000, heartbeatInterval: 1_000 } (the rest: kafkajs's defaults)
   */
  readonly consumer?: Omit<ConsumerConfig, 'groupId'>;
  /**
   * Partitions handled at the same time; each partition stays in order.
   * @default 1
   */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Commit handled offsets at least every this many messages (also at the end of each fetched batch).
   * @default 100
   */
  readonly commitEvery?: number;
  /**
   * Create the topics and their dead-letter topics on start (with the
   * broker's default partitions and replication) when they do not exist:
   * subscribing to a missing topic fails.
   * @default true
   */
  readonly createTopics?: boolean;
  /**
   * Bound on one dead-letter publish (connect included; the producer's own
   * retries are bounded too). Past it the message is handed back
   * unacknowledged: the partition reads it again from its offset.
   * @default 30_000 (30 s)
   */
  readonly publishTimeoutMs?: number;
  /**
   * Dead-letter topic of a topic.
   * @default (topic) => `${topic}.DLT`
   */
  readonly deadLetterTopic?: (topic: string) => string;
}
