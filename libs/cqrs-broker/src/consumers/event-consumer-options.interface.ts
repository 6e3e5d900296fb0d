import type { Backoff } from '../retry/backoff.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { TransientFailureTest } from '../retry/transient-failure.js';
import type { AttemptStore } from './attempt-store.js';

/**
 * What a consumer does with a well-formed message of an event no
 * `@IntegrationEvent` class is registered for in this app (by topic and
 * name, or by name alone): `'skip'` acknowledges it and counts it;
 * `'dead-letter'` sends it to the dead letter at once, like a malformed one.
 * @publicApi
 */
export type UnknownEventPolicy = 'skip' | 'dead-letter';

/** Every {@link UnknownEventPolicy}. @publicApi */
export const UNKNOWN_EVENT_POLICIES: readonly UnknownEventPolicy[] = ['skip', 'dead-letter'];

/**
 * Options of `EventConsumerModule.forRoot` / `forRootAsync`. Which broker is
 * read is not an option here: connect a transport (`KafkaEventConsumer`,
 * `AmqpEventConsumer`, `InMemoryEventConsumer`) as a microservice.
 * @publicApi
 */
export interface EventConsumerModuleOptions {
  /**
   * This service's consumer name, owned here and used everywhere: every log
   * line of the pipeline and the transports starts with it, dead letters
   * carry it in `x-dead-letter-consumer`, and (with the event id) it keys the
   * inbox and the attempt counts, so two services reading one topic each
   * handle every event once. Independent of the Kafka group id or RabbitMQ
   * queue name. Keep it stable across deploys.
   */
  name: string;
  /**
   * Bounded retry with exponential backoff of a failing handler before the
   * message is dead-lettered. Transient infrastructure failures do not spend
   * these attempts (see `outage`); a `NonRetryableException` spends none.
   * @default DEFAULT_RETRY_POLICY (5 attempts, 200 ms doubling)
   */
  retry?: Partial<RetryPolicy>;
  /**
   * How the consumer waits out an outage of its database or broker.
   * @default DEFAULT_OUTAGE_POLICY (up to 10 min per message, 500 ms to 15 s between retries, `isTransientFailure`)
   */
  outage?: { maxWaitMs?: number; backoff?: Partial<Backoff>; isTransient?: TransientFailureTest };
  /**
   * Where attempts are counted across deliveries. The default forgets on
   * restart; `new InboxAttemptStore(dataSource)` (from
   * `nestjs-cqrs-broker/inbox`) keeps the counts in a table, so a message
   * that crashes the consumer every time still ends in the dead letter after
   * `retry.maxAttempts` deliveries.
   * @default new MemoryAttemptStore()
   */
  attempts?: AttemptStore;
  /**
   * Largest message body handled, in bytes. A bigger one is dead-lettered at
   * once, unparsed (a multi-megabyte JSON body costs parse time and memory
   * for every redelivery and is almost always a producer bug).
   * @default 1 MiB (Kafka's default `message.max.bytes`)
   */
  maxMessageBytes?: number;
  /**
   * Messages of events this app has no class for. python-cqrs services often
   * put several event types on one topic: `'skip'` acknowledges the ones this
   * service does not handle (the pipeline's `skippedCount` counts them, the
   * `skipped` outcome reports each, and a debug line names it); `'dead-letter'`
   * dead-letters them at once, as a malformed message.
   * @default 'skip'
   */
  unknownEvents?: UnknownEventPolicy;
}
