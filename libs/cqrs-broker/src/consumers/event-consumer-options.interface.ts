import type { RetryPolicy } from '../retry/retry-policy.js';

/**
 * Options of `EventConsumerModule.forRoot` / `forRootAsync`. Which broker is
 * read is not an option here: connect a transport (`KafkaEventConsumer`,
 * `AmqpEventConsumer`, `InMemoryEventConsumer`) as a microservice.
 * @publicApi
 */
export interface EventConsumerModuleOptions {
  /**
   * This service's consumer name: logged with every failure, written on dead
   * letters, and (with the event id) the inbox key, so two services reading
   * one topic each handle every event once. Keep it stable across deploys.
   */
  name: string;
  /**
   * Bounded retry with exponential backoff before a message is dead-lettered.
   * @default DEFAULT_RETRY_POLICY
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Largest message body handled, in bytes. A bigger one is dead-lettered at
   * once, unparsed (a multi-megabyte JSON body costs parse time and memory
   * for every redelivery and is almost always a producer bug).
   * @default 1 MiB (Kafka's default `message.max.bytes`)
   */
  maxMessageBytes?: number;
}
