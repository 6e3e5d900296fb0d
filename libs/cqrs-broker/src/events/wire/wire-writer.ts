import { UnserializableEventException } from '../../errors/unserializable-event.exception.js';
import { ECSTEvent, type NotificationEvent } from '../notification-event.js';
import { canonicalUuid } from './event-id.js';
import type { WireFormat } from './wire-format.js';
import { wireInfoOf } from './wire-info.js';
import { formatWireTimestamp } from './wire-timestamp.js';

/** The body python-cqrs 1.0+ sends, field for field. @publicApi */
export interface PythonCqrsBody {
  /** A UUID, canonical dashed lowercase: python-cqrs's `event_id` is a `uuid.UUID`. */
  event_id: string;
  /** ISO 8601 in UTC with a `Z`; microseconds when the event was read with them. */
  event_timestamp: string;
  event_name: string;
  topic: string;
  payload: unknown;
}

/** The envelope python-cqrs 0.0.x sends (its events have no topic). @publicApi */
export interface PythonCqrsEnvelope {
  /** `'ecst_event'` for an {@link ECSTEvent}, else `'notification_event'`. */
  message_type: 'notification_event' | 'ecst_event';
  /** The event name, as python-cqrs 0.0.x's outbox producer writes it. */
  message_name: string;
  /** The event id, as in the inner event. */
  message_id: string;
  payload: Omit<PythonCqrsBody, 'topic'>;
}

/**
 * Builds the JSON object of one event in a {@link WireFormat} (the caller
 * stringifies it). Throws {@link UnserializableEventException} when the event
 * id is not a UUID: every python-cqrs generation refuses one.
 * @publicApi
 */
export function writeWireEvent(event: NotificationEvent<unknown>, format: WireFormat): PythonCqrsBody | PythonCqrsEnvelope {
  return format === 'python-cqrs-0.0' ? writeEnvelope(event) : writeBody(event);
}

/** The `'python-cqrs'` body: `{event_id, event_timestamp, event_name, topic, payload}`. @publicApi */
export function writeBody(event: NotificationEvent<unknown>): PythonCqrsBody {
  return {
    event_id: uuidOf(event),
    event_timestamp: timestampOf(event),
    event_name: event.eventName,
    topic: event.topic,
    payload: event.payload,
  };
}

/** The `'python-cqrs-0.0'` envelope. @publicApi */
export function writeEnvelope(event: NotificationEvent<unknown>): PythonCqrsEnvelope {
  const eventId = uuidOf(event);
  return {
    message_type: event instanceof ECSTEvent ? 'ecst_event' : 'notification_event',
    message_name: event.eventName,
    message_id: eventId,
    payload: {
      event_id: eventId,
      event_timestamp: timestampOf(event),
      event_name: event.eventName,
      payload: event.payload,
    },
  };
}

function uuidOf(event: NotificationEvent<unknown>): string {
  const id = canonicalUuid(String(event.eventId));
  if (id === undefined) {
    throw new UnserializableEventException(
      event.eventName,
      `event id "${event.eventId}" is not a UUID; python-cqrs reads event_id as a uuid.UUID and refuses anything else (leave eventId unset to get one)`,
    );
  }
  return id;
}

/** Microseconds survive when the event was read from the wire and its instant is unchanged. */
function timestampOf(event: NotificationEvent<unknown>): string {
  const sent = wireInfoOf(event)?.eventTimestamp;
  const keepMicros = sent !== undefined && sent.date.getTime() === event.eventTimestamp.getTime();
  return formatWireTimestamp(event.eventTimestamp, keepMicros ? sent.microsecond : undefined);
}
