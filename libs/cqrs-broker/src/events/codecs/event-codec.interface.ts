import type { Type } from '@nestjs/common';
import type { IntegrationEventContract } from '../integration-event.decorator.js';
import type { NotificationEvent } from '../notification-event.js';
import type { DecodedWireEvent } from '../wire/wire-reader.js';

/**
 * How the events of one `@IntegrationEvent` class become message bodies and
 * back: the pluggable part of the `EventSerializer`. JSON (python-cqrs's
 * format) is the default and needs no codec; name another on the class with
 * `@IntegrationEvent({ name, topic, codec })`, e.g. {@link protobufCodec}.
 *
 * The serializer writes `contentType` in every message's `content-type`
 * header and, on the consumer side, picks the codec by that header. Codecs
 * that share a content type must read the same layout: {@link read} runs
 * before the event's class is known.
 * @publicApi
 */
export interface EventCodec {
  /** The media type written in `content-type`, e.g. `application/x-protobuf`. Lowercase, no parameters. */
  readonly contentType: string;
  /**
   * Called once at startup for each registered class that declares this
   * codec (the `EventSerializer` does it on application bootstrap): load
   * packages and schemas here, so {@link encode} and {@link read} do no such
   * work per message. Throws a `ConfigurationException` when the codec
   * cannot work (a missing package, a missing message type).
   */
  prepare?(eventType: Type<NotificationEvent<any>>, contract: IntegrationEventContract): Promise<void>;
  /**
   * The whole body of one event: its id, name, timestamp, topic and payload.
   * Throws `UnserializableEventException` with the reason.
   */
  encode(event: NotificationEvent<unknown>): Buffer;
  /**
   * The event's metadata from a body, before its class is known (the class
   * is looked up by the name and topic read here). `payload` may stay
   * encoded: {@link decodePayload} finishes it once the class is known.
   * `headers` are the message's, for fields a body may lack. Throws
   * `MalformedEventException` with the reason.
   */
  read(body: Buffer, headers: Readonly<Record<string, string>>): DecodedWireEvent;
  /**
   * The payload of `decoded` as plain data (what the payload class is built
   * from and validated). Absent: `decoded.payload` as it is.
   */
  decodePayload?(decoded: DecodedWireEvent, eventType: Type<NotificationEvent<any>>): unknown;
}
