import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../brokers/broker-message.js';
import { formatValidationErrors } from '../middleware/validation-errors.js';
import { IntegrationEventRegistry } from './integration-event-registry.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';
import { UnserializableEventException } from '../errors/unserializable-event.exception.js';
import { NotificationEvent } from './notification-event.js';

/**
 * The wire shape of a notification/ECST event: python-cqrs's field names, so
 * services written with python-cqrs read our events and we read theirs.
 * @publicApi
 */
export interface WireEvent {
  event_id: string;
  /** ISO 8601. python-cqrs may send it without a zone; that is read as UTC. */
  event_timestamp: string;
  event_name: string;
  topic: string;
  payload: unknown;
}

const ZONE_SUFFIX = /(Z|[+-]\d\d:?\d\d)$/i;

/**
 * The one place that knows the wire format: event ⇄ python-cqrs JSON ⇄ bytes.
 * @publicApi
 */
@Injectable()
export class EventSerializer {
  constructor(private readonly registry: IntegrationEventRegistry) {}

  toWire(event: NotificationEvent<unknown>): WireEvent {
    return {
      event_id: event.eventId,
      event_timestamp: event.eventTimestamp.toISOString(),
      event_name: event.eventName,
      topic: event.topic,
      payload: event.payload,
    };
  }

  /** Serializes an event into the message every broker sends. Throws {@link UnserializableEventException}. */
  toMessage(event: NotificationEvent<unknown>): BrokerMessage {
    if (!(event instanceof NotificationEvent)) {
      throw new UnserializableEventException(
        (event as object)?.constructor?.name ?? String(event),
        'only NotificationEvent and ECSTEvent instances go to a broker',
      );
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(this.toWire(event));
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
   * with the reason when that is impossible. `key` is the message's ordering
   * key (Kafka message key, AMQP `key` header), kept as the event's `key`.
   */
  async fromBody(body: Buffer | string, headers: Readonly<Record<string, string>> = {}, key?: string): Promise<NotificationEvent<unknown>> {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (error) {
      throw new MalformedEventException(`body is not JSON (${(error as Error).message})`, { cause: error });
    }
    return this.fromWire(raw, headers, key);
  }

  async fromWire(raw: unknown, headers: Readonly<Record<string, string>> = {}, key?: string): Promise<NotificationEvent<unknown>> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new MalformedEventException('body is not a JSON object');
    }
    const wire = raw as Partial<WireEvent>;
    for (const field of ['event_id', 'event_name', 'topic'] as const) {
      if (typeof wire[field] !== 'string' || wire[field] === '') {
        throw new MalformedEventException(`field "${field}" is missing or not a string`);
      }
    }
    if (!('payload' in wire)) throw new MalformedEventException('field "payload" is missing');
    const registered = this.registry.get(wire.event_name!);
    if (!registered) throw new MalformedEventException(`unknown event name "${wire.event_name}"`);

    const timestamp = this.parseTimestamp(wire.event_timestamp);
    let payload = wire.payload;
    const payloadType = registered.contract.payload;
    if (payloadType) {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new MalformedEventException(`payload of "${wire.event_name}" is not an object`);
      }
      payload = plainToInstance(payloadType, payload);
      const errors = await validate(payload as object, { forbidUnknownValues: false });
      if (errors.length) {
        throw new MalformedEventException(
          `payload of "${wire.event_name}" failed validation: ${formatValidationErrors(errors).join('; ')}`,
        );
      }
    }
    // Built without calling the subclass constructor: the wire data is the whole state.
    return Object.assign(Object.create(registered.type.prototype), {
      eventId: wire.event_id,
      eventTimestamp: timestamp,
      eventName: wire.event_name,
      topic: wire.topic,
      payload,
      key,
      headers,
    });
  }

  private parseTimestamp(value: unknown): Date {
    if (value === undefined || value === null) return new Date();
    if (typeof value !== 'string') throw new MalformedEventException('field "event_timestamp" is not a string');
    const date = new Date(ZONE_SUFFIX.test(value) ? value : `${value}Z`);
    if (Number.isNaN(date.getTime())) throw new MalformedEventException(`field "event_timestamp" is not a date: "${value}"`);
    return date;
  }
}
