/**
 * One message as a broker consumer received it, before decoding. Transports
 * build it from their native message and hand it to the
 * `EventConsumerPipeline`.
 * @publicApi
 */
export interface ConsumedMessage {
  readonly topic: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Ordering key (Kafka message key), when there is one. */
  readonly key?: string;
  /**
   * Aborted when the consumer stops (or, on Kafka, when the partition is
   * being taken away): the pipeline stops retrying and reports `stopped`, so
   * the message is not acknowledged.
   */
  readonly signal?: AbortSignal;
  /** Called before each retry (handler failure or outage), e.g. to heartbeat a Kafka consumer group during long backoffs. */
  readonly beforeRetry?: () => Promise<void>;
}

/**
 * What the transport must do with a message after the pipeline ran:
 * - `handled`: acknowledge it (commit the offset / ack).
 * - `dead-letter`: publish it to the dead-letter destination with `reason`
 *   and `attempts` in headers, then acknowledge it.
 * - `skipped`: a message of an event this app has no class for, with
 *   `unknownEvents: 'skip'`: acknowledge it, nothing ran.
 * - `stopped`: the consumer is stopping; leave it unacknowledged so it is delivered again.
 * - `requeue`: not acknowledged and handed back for a later delivery (an
 *   outage outlasted `outage.maxWaitMs`, or a dead-letter publish failed):
 *   Kafka reads the partition again from this message, RabbitMQ requeues it.
 * @publicApi
 */
export type ConsumeOutcome =
  | { readonly status: 'handled'; readonly attempts: number; readonly eventId: string; readonly eventName: string }
  | {
      readonly status: 'dead-letter';
      readonly reason: string;
      readonly attempts: number;
      /** True when the message could not be decoded (not retried). */
      readonly malformed: boolean;
      readonly eventId?: string;
      readonly eventName?: string;
    }
  | {
      readonly status: 'skipped';
      /** Why, e.g. `Malformed event: unknown event name "room_booked" on topic "rooms"`. */
      readonly reason: string;
      readonly attempts: 0;
      readonly eventName: string;
      readonly eventId?: string;
    }
  | { readonly status: 'stopped'; readonly attempts: number }
  | { readonly status: 'requeue'; readonly reason: string; readonly attempts: number };
