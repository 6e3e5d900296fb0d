import type { RetryPolicy } from '../retry/retry-policy.js';

/**
 * Options of `EventConsumerModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface EventConsumerModuleOptions {
  /**
   * This service's consumer name: logged with every failure, written on dead
   * letters, and (with the event id) the inbox key, so two services reading
   * one topic each handle every event once. Keep it stable across deploys.
   */
  name: string;
  /** Bounded retry with exponential backoff before a message is dead-lettered. */
  retry?: Partial<RetryPolicy>;
  /**
   * Largest message body handled, in bytes. A bigger one is dead-lettered at
   * once, unparsed (a multi-megabyte JSON body costs parse time and memory
   * for every redelivery and is almost always a producer bug). Default
   * 1 MiB (Kafka's default `message.max.bytes`).
   */
  maxMessageBytes?: number;
  /**
   * Also consume from the in-memory broker (the configured `MESSAGE_BROKER`
   * must then be an `InMemoryMessageBroker`): for single-process setups and
   * tests. Dead letters go to the `<topic>.DLT` topic of that broker.
   */
  inMemory?: boolean;
  /** Topics the in-memory consumer reads. Default: topics of all registered integration events. */
  topics?: readonly string[];
}
