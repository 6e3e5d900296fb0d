import { MessageHeaders } from '../brokers/broker-message.js';

/**
 * Headers a consumer adds to a dead letter, besides the original message's
 * headers. Reason and attempts use the names in `MessageHeaders`.
 * @publicApi
 */
export const DeadLetterHeaders = {
  reason: MessageHeaders.deadLetterReason,
  attempts: MessageHeaders.deliveryAttempts,
  /** Name of the consumer that gave up on the message: the `EventConsumerModule` name (the one the inbox uses). */
  consumer: 'x-dead-letter-consumer',
  /** Who shared the message's source: the Kafka group id or the RabbitMQ queue. */
  group: 'x-dead-letter-group',
  /** When the message was dead-lettered, ISO 8601. */
  deadLetteredAt: 'x-dead-lettered-at',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  /** RabbitMQ: exchange and routing key the message came from. */
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
} as const;

/** Suffix of dead-letter topics (Kafka convention, used by the in-memory consumer too). @publicApi */
export const DEAD_LETTER_TOPIC_SUFFIX = '.DLT';

/**
 * Where a transport puts one message the pipeline gave up on. The transport
 * says where the message came from and how to publish it; the consumer base
 * class builds the headers and logs, so every transport dead-letters alike.
 */
export interface DeadLetterRoute {
  /** The message's place, e.g. `topic[partition]@offset`, for the log line. */
  readonly origin: string;
  /** The dead-letter topic, exchange…, for the log line. */
  readonly destination: string;
  /** Where the message came from (topic, partition, offset, exchange…), as {@link DeadLetterHeaders}. */
  readonly originHeaders: Readonly<Record<string, string>>;
  /** Publishes the original message with `headers`; rejects, within a bound, when the broker did not take it (the message is then handed back unacknowledged). */
  publish(headers: Record<string, string>): Promise<void>;
}

/** Header values are bounded: a reason may quote a long error message. */
const MAX_REASON_LENGTH = 1000;

/** The original headers plus the dead-letter ones (origin, reason, attempts, consumer, time). */
export function deadLetterHeaders(
  original: Readonly<Record<string, string>>,
  deadLetter: { reason: string; attempts: number; consumer: string; group: string },
  origin: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    ...original,
    ...origin,
    [DeadLetterHeaders.reason]: deadLetter.reason.slice(0, MAX_REASON_LENGTH),
    [DeadLetterHeaders.attempts]: String(deadLetter.attempts),
    [DeadLetterHeaders.consumer]: deadLetter.consumer,
    [DeadLetterHeaders.group]: deadLetter.group,
    [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
  };
}
