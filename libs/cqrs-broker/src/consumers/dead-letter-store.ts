import { MessageHeaders } from '../brokers/broker-message.js';
import { DeadLetterHeaders } from './dead-letter.js';

/**
 * Headers a requeued dead letter carries instead of the {@link DeadLetterHeaders}
 * (which are removed, so the consumer sees a fresh message with a fresh attempt budget).
 * @publicApi
 */
export const ReplayHeaders = {
  /** When it was requeued, ISO 8601. */
  replayedAt: 'x-replayed-at',
  /** How many times this message was requeued from a dead letter (1 the first time). */
  replayCount: 'x-replayed-count',
  /** The `x-dead-letter-reason` it had when it was requeued. */
  reason: 'x-replayed-reason',
  /** The dead-letter topic or queue it was requeued from. */
  from: 'x-replayed-from',
  /** Topic (Kafka) or routing key (RabbitMQ) the event was first consumed from. */
  topic: 'x-replayed-topic',
} as const;

/**
 * Which dead letters to list or requeue. Conditions combine with AND; an
 * empty filter selects every dead letter.
 * @publicApi
 */
export interface DeadLetterFilter {
  /** Only these event ids (header `event-id`). */
  readonly eventIds?: readonly string[];
  /** Only dead letters whose `x-dead-letter-reason` contains this text (case-sensitive) or matches this expression. */
  readonly reason?: string | RegExp;
  /**
   * At most this many (the first ones, in dead-letter order).
   * @default no limit
   */
  readonly limit?: number;
  /**
   * Kafka: also list dead letters already requeued by an earlier run (they
   * are never requeued twice). RabbitMQ removes requeued messages from the
   * queue, so there are none to include.
   * @default false
   */
  readonly includeReplayed?: boolean;
}

/** One message of a dead-letter topic or queue. @publicApi */
export interface DeadLetter {
  /** Where it is: Kafka `<dlt>[partition]@offset`; RabbitMQ `<dlq>#n` (n = 1 for the head of the queue when listed). */
  readonly position: string;
  readonly eventId?: string;
  readonly eventName?: string;
  /** Ordering key: the Kafka message key, the AMQP `key` header. */
  readonly key?: string;
  /** Topic (Kafka) or queue (RabbitMQ) a requeue sends it to. */
  readonly requeueTo: string;
  /** Topic or routing key it was consumed from when it died. */
  readonly originalTopic?: string;
  readonly reason?: string;
  readonly attempts?: number;
  /** Consumer group (Kafka) or queue (RabbitMQ) that gave up on it. */
  readonly consumer?: string;
  /** ISO 8601. */
  readonly deadLetteredAt?: string;
  /** Kafka: when an earlier run requeued it, ISO 8601; absent while it was not requeued. */
  readonly replayedAt?: string;
  /** Every header, as text. */
  readonly headers: Readonly<Record<string, string>>;
  /** The message body as it was dead-lettered (and as a requeue sends it). */
  readonly body: Buffer;
}

/** What a requeue did. @publicApi */
export interface RequeueResult {
  /** How many dead letters were sent back to their source. */
  readonly requeued: number;
  /** Their event ids, in the order they were sent (a message without `event-id` has none). */
  readonly eventIds: readonly string[];
  /** Dead letters that did not match the filter (or were past its limit) and stay where they are. */
  readonly left: number;
}

/**
 * Lists, inspects and requeues the dead letters of one consumer: what a
 * `KafkaEventConsumer` put in `<topic>.DLT` or an `AmqpEventConsumer` in
 * `<queue>.dlq`. Requeue sends a dead letter back to the topic or queue it
 * came from with its body, key and event id unchanged (so an inbox still
 * recognises an event that was handled after all), the dead-letter headers
 * replaced by {@link ReplayHeaders}. A requeued message that fails again is
 * dead-lettered again as usual.
 *
 * Implementations: `KafkaDeadLetterStore` (`nestjs-cqrs-broker/kafka`),
 * `AmqpDeadLetterStore` (`nestjs-cqrs-broker/amqp`).
 * @publicApi
 */
export interface DeadLetterStore {
  /** The dead letters matching `filter`, in dead-letter order; reading disturbs no consumer group and removes nothing. */
  list(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** Sends the dead letters matching `filter` back to their source; the others stay. */
  requeue(filter?: DeadLetterFilter): Promise<RequeueResult>;
  /** Lets go of the broker connections. */
  close(): Promise<void>;
}

/** True when `deadLetter` passes `filter`'s event id and reason conditions (not its limit). */
export function matchesDeadLetter(deadLetter: Pick<DeadLetter, 'eventId' | 'reason'>, filter: DeadLetterFilter): boolean {
  if (filter.eventIds && (deadLetter.eventId === undefined || !filter.eventIds.includes(deadLetter.eventId))) return false;
  if (filter.reason !== undefined) {
    const reason = deadLetter.reason ?? '';
    if (typeof filter.reason === 'string' ? !reason.includes(filter.reason) : !new RegExp(filter.reason.source, filter.reason.flags.replace('g', '')).test(reason)) {
      return false;
    }
  }
  return true;
}

/** The {@link DeadLetter} fields read from a dead letter's headers. */
export function describeDeadLetter(
  headers: Readonly<Record<string, string>>,
): Pick<DeadLetter, 'eventId' | 'eventName' | 'reason' | 'attempts' | 'consumer' | 'deadLetteredAt'> {
  const attempts = Number(headers[DeadLetterHeaders.attempts]);
  return {
    eventId: headers[MessageHeaders.eventId],
    eventName: headers[MessageHeaders.eventName],
    reason: headers[DeadLetterHeaders.reason],
    attempts: Number.isFinite(attempts) && headers[DeadLetterHeaders.attempts] !== undefined ? attempts : undefined,
    consumer: headers[DeadLetterHeaders.consumer],
    deadLetteredAt: headers[DeadLetterHeaders.deadLetteredAt],
  };
}

/**
 * The headers a requeued dead letter is sent with: the original message's
 * headers, without the {@link DeadLetterHeaders} (nor `extraRemoved`), plus
 * the {@link ReplayHeaders}.
 */
export function replayHeaders<T>(
  headers: Readonly<Record<string, T>>,
  replay: { from: string; reason?: string; topic?: string; now?: Date },
  extraRemoved: readonly string[] = [],
): Record<string, T | string> {
  const removed = new Set<string>([...Object.values(DeadLetterHeaders), ...extraRemoved]);
  const kept: Record<string, T | string> = {};
  for (const [name, value] of Object.entries(headers)) if (!removed.has(name)) kept[name] = value;
  const count = Number(String(headers[ReplayHeaders.replayCount] ?? 0));
  kept[ReplayHeaders.replayedAt] = (replay.now ?? new Date()).toISOString();
  kept[ReplayHeaders.replayCount] = String((Number.isFinite(count) ? count : 0) + 1);
  kept[ReplayHeaders.from] = replay.from;
  if (replay.reason !== undefined) kept[ReplayHeaders.reason] = replay.reason;
  if (replay.topic !== undefined) kept[ReplayHeaders.topic] = replay.topic;
  return kept;
}
