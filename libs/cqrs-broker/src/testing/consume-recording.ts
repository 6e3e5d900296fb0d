import type { INestApplicationContext } from '@nestjs/common';
import type { ConsumedMessage, ConsumeOutcome } from '../consumers/consumed-message.js';
import { MessageHeaders } from '../brokers/broker-message.js';
import { consumerOf } from './app-providers.js';
import { intercept } from './method-interceptor.js';

/** One message the consumer pipeline finished with. @publicApi */
export interface ConsumedRecord {
  /** From the `event-id` header (absent when the message had none). */
  readonly eventId?: string;
  readonly topic: string;
  readonly key?: string;
  readonly outcome: ConsumeOutcome;
}

/** What the app's consumer pipeline did while {@link recordConsumed} watched it. @publicApi */
export interface ConsumeRecording {
  /** Every delivery the pipeline finished, in the order it finished them. */
  readonly consumed: readonly ConsumedRecord[];
  /** The deliveries of one event: more than one means the consumer saw it again (and the inbox had to absorb it). */
  deliveriesOf(eventId: string): ConsumedRecord[];
  /** Stops recording; `consumed` keeps what it had. */
  stop(): void;
}

/**
 * Records every message the app's consumer pipeline finishes from now on,
 * whoever delivered it: a connected transport (`InMemoryEventConsumer`,
 * Kafka, RabbitMQ) or {@link deliver}. Use it to see that a fault really
 * made the consumer see an event twice, and that its effect still happened once.
 *
 * @example
 * const consumed = recordConsumed(app);
 * await crashRelayAfterPublish(app);
 * await drainOutbox(app);
 * expect(consumed.deliveriesOf(eventId)).toHaveLength(2);
 * @publicApi
 */
export function recordConsumed(app: INestApplicationContext): ConsumeRecording {
  const { pipeline } = consumerOf(app, 'recordConsumed');
  const consumed: ConsumedRecord[] = [];
  const stop = intercept(pipeline, 'consume', async ([message]: [ConsumedMessage], proceed: (message: ConsumedMessage) => Promise<ConsumeOutcome>) => {
    const outcome = await proceed(message);
    consumed.push({ eventId: message.headers[MessageHeaders.eventId], topic: message.topic, key: message.key, outcome });
    return outcome;
  });
  return { consumed, deliveriesOf: (eventId) => consumed.filter((record) => record.eventId === eventId), stop };
}
