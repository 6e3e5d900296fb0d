/**
 * One message as a broker sends it: the serialized event plus routing data.
 * Built once (by the serializer or read from an outbox row) and passed
 * through unchanged, so brokers never re-serialize.
 * @publicApi
 */
export interface BrokerMessage {
  readonly topic: string;
  /** Ordering/partition key; absent when the event has none. */
  readonly key?: string;
  readonly eventId: string;
  readonly eventName: string;
  /** The encoded event: python-cqrs JSON (UTF-8) unless its class names another codec (see the `content-type` header). */
  readonly body: Buffer;
  /** Header names as in {@link MessageHeaders}, plus any the producer added. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Header names every broker writes. @publicApi */
export const MessageHeaders = {
  eventId: 'event-id',
  eventName: 'event-name',
  contentType: 'content-type',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /**
   * With `tracing` on: the trace context the event was written in (the outbox
   * write span), a copy of `traceparent` that broker instrumentations do not
   * overwrite in transit; consumers continue this trace when it is present.
   */
  originTraceparent: 'x-cqrs-traceparent',
  /** With `tracing` on: the copy of `tracestate` that goes with `x-cqrs-traceparent`. */
  originTracestate: 'x-cqrs-tracestate',
  /** Set on dead letters: why the message was dead-lettered. */
  deadLetterReason: 'x-dead-letter-reason',
  /** Set on dead letters: how many times handling was attempted. */
  deliveryAttempts: 'x-delivery-attempts',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';
