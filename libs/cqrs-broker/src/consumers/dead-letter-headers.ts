import { MessageHeaders } from '../brokers/broker-message.js';

/**
 * Headers a consumer adds to a dead letter, besides the original message's
 * headers. Reason and attempts use the names in `MessageHeaders`.
 * @publicApi
 */
export const DeadLetterHeaders = {
  reason: MessageHeaders.deadLetterReason,
  attempts: MessageHeaders.deliveryAttempts,
  /** Name of the consumer that gave up on the message. */
  consumer: 'x-dead-letter-consumer',
  /** When the message was dead-lettered, ISO 8601. */
  deadLetteredAt: 'x-dead-lettered-at',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  /** RabbitMQ: exchange and routing key the message came from. */
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
} as const;

/** Header values are bounded: a reason may quote a long error message. */
const MAX_REASON_LENGTH = 1000;

/** The original headers plus the dead-letter ones (reason, attempts, consumer, time, and `extra`). */
export function deadLetterHeaders(
  original: Readonly<Record<string, string>>,
  deadLetter: { reason: string; attempts: number; consumer: string },
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...original,
    ...extra,
    [DeadLetterHeaders.reason]: deadLetter.reason.slice(0, MAX_REASON_LENGTH),
    [DeadLetterHeaders.attempts]: String(deadLetter.attempts),
    [DeadLetterHeaders.consumer]: deadLetter.consumer,
    [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
  };
}
