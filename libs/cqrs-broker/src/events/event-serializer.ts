import { Inject, Injectable, Optional } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../brokers/broker-message.js';
import { formatValidationErrors } from '../middleware/validation-errors.js';
import { IntegrationEventRegistry } from './integration-event-registry.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';
import { UnknownEventException } from '../errors/unknown-event.exception.js';
import { UnserializableEventException } from '../errors/unserializable-event.exception.js';
import { NotificationEvent } from './notification-event.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { resolveWireFormat, type WireFormat } from './wire/wire-format.js';
import { attachWireInfo } from './wire/wire-info.js';
import { WireReader } from './wire/wire-reader.js';
import { DEFAULT_NAIVE_TIMESTAMP_ZONE, type NaiveTimestampZone } from './wire/wire-timestamp.js';
import { writeBody, writeWireEvent } from './wire/wire-writer.js';

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
 * The one place that knows the wire format: event ⇄ python-cqrs JSON ⇄ bytes.
 * @publicApi
 */
@Injectable()
export class EventSerializer {
  private readonly reader: WireReader;
  private readonly formatFor: (topic: string) => WireFormat;
  /** The zone received timestamps without a zone are read in (the resolved `naiveTimestampZone`). */
  readonly naiveTimestampZone: NaiveTimestampZone;

  constructor(
    private readonly registry: IntegrationEventRegistry,
    @Optional() @Inject(CQRS_BROKER_OPTIONS) options: Pick<CqrsBrokerModuleOptions, 'wireFormat' | 'naiveTimestampZone'> = {},
  ) {
    this.reader = new WireReader(options.naiveTimestampZone);
    this.naiveTimestampZone = options.naiveTimestampZone ?? DEFAULT_NAIVE_TIMESTAMP_ZONE;
    this.formatFor = resolveWireFormat(options.wireFormat);
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
    const wire = writeWireEvent(event, this.formatFor(event.topic));
    let json: string | undefined;
    try {
      json = JSON.stringify(wire);
    } catch (error) {
      throw new UnserializableEventException(event.eventName, error);
    }
    if (event.payload === undefined) throw new UnserializableEventException(event.eventName, 'payload is undefined');
    return {
      topic: event.topic,
      key: event.key,
      eventId: event.eventId,
      eventName: event.eventName,
      body: Buffer.from(json, 'utf8'),
      headers: {
        ...event.headers,
        [MessageHeaders.eventId]: event.eventId,
        [MessageHeaders.eventName]: event.eventName,
        [MessageHeaders.contentType]: JSON_CONTENT_TYPE,
      },
    };
  }

  /**
   * Reads a message body into the registered event class, validating its
   * payload with class-validator. Throws {@link MalformedEventException}
   * with the reason when that is impossible, {@link UnknownEventException}
   * when no registered class has the event's name. `key` is the message's
   * ordering key (Kafka message key, AMQP `key` header), kept as the event's
   * `key`. `topic` is where the message was read from (Kafka topic, RabbitMQ
   * routing key or, in the python-cqrs topology, queue): the event's topic
   * when the body has none (the python-cqrs 0.0.x envelope), and the topic
   * the class is looked up by when the body has none.
   */
  async fromBody(body: Buffer | string, headers: Readonly<Record<string, string>> = {}, key?: string, topic?: string): Promise<NotificationEvent<unknown>> {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (error) {
      throw new MalformedEventException(`body is not JSON (${(error as Error).message})`, { cause: error });
    }
    return this.fromWire(raw, headers, key, topic);
  }

  /** {@link fromBody} for a body already parsed from JSON. */
  async fromWire(raw: unknown, headers: Readonly<Record<string, string>> = {}, key?: string, readFrom?: string): Promise<NotificationEvent<unknown>> {
    const wire = this.reader.read(raw);
    const topic = wire.topic ?? readFrom;
    const registered = this.registry.get(wire.eventName, topic);
    if (!registered) throw new UnknownEventException(wire.eventName, topic, this.registry.topicsOf(wire.eventName));

    const sentTimestamp = this.reader.timestamp(wire);
    const timestamp = sentTimestamp?.date ?? new Date();
    let payload = wire.payload;
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
    return attachWireInfo(event, { ...wire.info, ...(sentTimestamp ? { eventTimestamp: sentTimestamp } : {}) });
  }
}
