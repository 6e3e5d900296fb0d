import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../brokers/broker-message.js';
import { formatValidationErrors } from '../middleware/validation-errors.js';
import { IntegrationEventRegistry } from './integration-event-registry.js';
import { getIntegrationEventContract } from './integration-event.decorator.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';
import { UnknownEventException } from '../errors/unknown-event.exception.js';
import { UnserializableEventException } from '../errors/unserializable-event.exception.js';
import { UnsupportedContentTypeException } from '../errors/unsupported-content-type.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { CODEC_NOT_PREPARED, PAYLOAD_CODEC_MISMATCH } from '../errors/messages.js';
import { NotificationEvent } from './notification-event.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { resolveWireFormat } from './wire/wire-format.js';
import { attachWireInfo } from './wire/wire-info.js';
import { WireReader, type DecodedWireEvent } from './wire/wire-reader.js';
import { DEFAULT_NAIVE_TIMESTAMP_ZONE, type NaiveTimestampZone } from './wire/wire-timestamp.js';
import { writeBody } from './wire/wire-writer.js';
import type { EventCodec } from './codecs/event-codec.interface.js';
import { JsonEventCodec } from './codecs/json-event-codec.js';
import { mediaTypeOf } from './codecs/content-type.js';

/**
 * The wire shape of a notification/ECST event: python-cqrs's field names, so
 * services written with python-cqrs read our events and we read theirs.
 * @publicApi
 */
export interface WireEvent {
  event_id: string;
  /** ISO 8601. python-cqrs may send it without a zone; that is read in `naiveTimestampZone` (default UTC). */
  event_timestamp: string;
  event_name: string;
  topic: string;
  payload: unknown;
}

/**
 * The one place that knows the wire format: event ⇄ body bytes, by the
 * codec of the event's class (python-cqrs JSON unless its
 * `@IntegrationEvent` names another, e.g. `protobufCodec`). Codecs are
 * prepared once, on application bootstrap ({@link prepare}); a consumed
 * message is read by the codec its `content-type` header names.
 * @publicApi
 */
@Injectable()
export class EventSerializer implements OnApplicationBootstrap {
  private readonly reader: WireReader;
  private readonly json: JsonEventCodec;
  /** Event class → its codec: prepared codecs, and JSON for classes without one (filled on first use). */
  private readonly codecs = new Map<Function, EventCodec>();
  /** Content type → a codec that reads it (any of the codecs declaring it: they share a layout). */
  private readonly readers = new Map<string, EventCodec>();
  /** The zone received timestamps without a zone are read in (the resolved `naiveTimestampZone`). */
  readonly naiveTimestampZone: NaiveTimestampZone;

  constructor(
    private readonly registry: IntegrationEventRegistry,
    @Optional() @Inject(CQRS_BROKER_OPTIONS) options: Pick<CqrsBrokerModuleOptions, 'wireFormat' | 'naiveTimestampZone'> = {},
  ) {
    this.reader = new WireReader(options.naiveTimestampZone);
    this.naiveTimestampZone = options.naiveTimestampZone ?? DEFAULT_NAIVE_TIMESTAMP_ZONE;
    this.json = new JsonEventCodec(resolveWireFormat(options.wireFormat), this.reader);
    this.readers.set(JSON_CONTENT_TYPE, this.json);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.prepare();
  }

  /**
   * Prepares the codec of every registered class that declares one (loads
   * protobufjs and the `.proto` of a protobuf event). Runs on application
   * bootstrap, after the handlers are discovered; call it again after
   * registering classes by hand. Throws a `ConfigurationException` when a
   * codec cannot work (its package is not installed…).
   */
  async prepare(): Promise<void> {
    for (const { type, contract } of this.registry.all()) {
      const codec = contract.codec;
      if (!codec || this.codecs.get(type) === codec) continue;
      if (typeof codec.contentType !== 'string' || typeof codec.encode !== 'function' || typeof codec.read !== 'function') {
        throw new InvalidOptionException(`codec of @IntegrationEvent ${type.name}`, 'an EventCodec, e.g. protobufCodec({ … })', codec);
      }
      await codec.prepare?.(type, contract);
      this.codecs.set(type, codec);
      const contentType = mediaTypeOf(codec.contentType) ?? codec.contentType;
      if (!this.readers.has(contentType)) this.readers.set(contentType, codec);
    }
  }

  /** The content types this serializer reads: `application/json` and those of the prepared codecs. */
  contentTypes(): string[] {
    return [...this.readers.keys()];
  }

  /** The `'python-cqrs'` body of an event. Throws {@link UnserializableEventException} for a non-UUID event id. */
  toWire(event: NotificationEvent<unknown>): WireEvent {
    return writeBody(event);
  }

  /** Serializes an event into the message every broker sends. Throws {@link UnserializableEventException}. */
  toMessage(event: NotificationEvent<unknown>): BrokerMessage {
    if (!(event instanceof NotificationEvent)) {
      throw new UnserializableEventException(
        (event as object)?.constructor?.name ?? String(event),
        'only NotificationEvent and ECSTEvent instances go to a broker',
      );
    }
    const codec = this.codecOf(event);
    return {
      topic: event.topic,
      key: event.key,
      eventId: event.eventId,
      eventName: event.eventName,
      body: codec.encode(event),
      headers: {
        ...event.headers,
        [MessageHeaders.eventId]: event.eventId,
        [MessageHeaders.eventName]: event.eventName,
        [MessageHeaders.contentType]: codec.contentType,
      },
    };
  }

  /** The codec of an event's class: looked up once per class, then from the map. */
  private codecOf(event: NotificationEvent<unknown>): EventCodec {
    const type = event.constructor;
    const known = this.codecs.get(type);
    if (known) return known;
    const declared = getIntegrationEventContract(type)?.codec;
    if (declared) throw new UnserializableEventException(event.eventName, CODEC_NOT_PREPARED(type.name, declared.contentType));
    this.codecs.set(type, this.json);
    return this.json;
  }

  /**
   * Reads a message body into the registered event class, validating its
   * payload with class-validator. The codec is the one the `content-type`
   * header names (`application/json` when there is none, unless the
   * message's event name is registered on `topic` with another codec, as
   * python-cqrs 5.x sends protobuf over Kafka). Throws
   * {@link MalformedEventException} with the reason when that is impossible
   * ({@link UnsupportedContentTypeException} for a content type no codec
   * reads), {@link UnknownEventException} when no registered class has the
   * event's name. `key` is the message's ordering key (Kafka message key,
   * AMQP `key` header), kept as the event's `key`. `topic` is where the
   * message was read from (Kafka topic, RabbitMQ routing key or, in the
   * python-cqrs topology, queue): the event's topic when the body has none
   * (the python-cqrs 0.0.x envelope), and the topic the class is looked up
   * by when the body has none.
   */
  async fromBody(body: Buffer | string, headers: Readonly<Record<string, string>> = {}, key?: string, topic?: string): Promise<NotificationEvent<unknown>> {
    const codec = this.readerOf(headers, topic);
    if (codec === this.json) return this.fromWire(this.json.parse(body), headers, key, topic);
    const decoded = codec.read(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, headers);
    return this.toEvent(decoded, codec, headers, key, topic);
  }

  /** {@link fromBody} for a body already parsed from JSON. */
  async fromWire(raw: unknown, headers: Readonly<Record<string, string>> = {}, key?: string, readFrom?: string): Promise<NotificationEvent<unknown>> {
    return this.toEvent(this.reader.read(raw), this.json, headers, key, readFrom);
  }

  /** The codec that reads a message, by its content type. */
  private readerOf(headers: Readonly<Record<string, string>>, topic: string | undefined): EventCodec {
    const contentType = mediaTypeOf(headers[MessageHeaders.contentType]);
    if (contentType === undefined) {
      const eventName = headers[MessageHeaders.eventName] ?? headers['event_name'];
      const registered = eventName === undefined ? undefined : this.registry.get(eventName, topic);
      return (registered && this.codecs.get(registered.type)) || this.json;
    }
    const codec = this.readers.get(contentType);
    if (!codec) throw new UnsupportedContentTypeException(contentType, [...this.readers.keys()]);
    return codec;
  }

  private async toEvent(
    wire: DecodedWireEvent,
    codec: EventCodec,
    headers: Readonly<Record<string, string>>,
    key: string | undefined,
    readFrom: string | undefined,
  ): Promise<NotificationEvent<unknown>> {
    const topic = wire.topic ?? readFrom;
    const registered = this.registry.get(wire.eventName, topic);
    if (!registered) throw new UnknownEventException(wire.eventName, topic, this.registry.topicsOf(wire.eventName));

    const sentTimestamp = this.reader.timestamp(wire);
    const timestamp = sentTimestamp?.date ?? new Date();
    let payload = wire.payload;
    if (codec !== this.json) {
      // The body's layout is the content type's; the payload's type is the class's own codec's.
      const own = this.codecs.get(registered.type);
      if (!own || own.contentType !== codec.contentType) {
        throw new MalformedEventException(PAYLOAD_CODEC_MISMATCH(wire.eventName, own?.contentType ?? JSON_CONTENT_TYPE, codec.contentType));
      }
      if (own.decodePayload) payload = own.decodePayload(wire, registered.type);
    }
    const payloadType = registered.contract.payload;
    if (payloadType) {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new MalformedEventException(`payload of "${wire.eventName}" is not an object`);
      }
      payload = plainToInstance(payloadType, payload);
      const errors = await validate(payload as object, { forbidUnknownValues: false });
      if (errors.length) {
        throw new MalformedEventException(
          `payload of "${wire.eventName}" failed validation: ${formatValidationErrors(errors).join('; ')}`,
        );
      }
    }
    // Built without calling the subclass constructor: the wire data is the whole state.
    // The 0.0.x envelope has no topic: the one it was read from stands in, else the registered contract's.
    const event = Object.assign(Object.create(registered.type.prototype), {
      eventId: wire.eventId,
      eventTimestamp: timestamp,
      eventName: wire.eventName,
      topic: topic ?? registered.contract.topic,
      payload,
      key,
      headers,
    });
    return attachWireInfo(event, { ...wire.info, contentType: codec.contentType, ...(sentTimestamp ? { eventTimestamp: sentTimestamp } : {}) });
  }
}
