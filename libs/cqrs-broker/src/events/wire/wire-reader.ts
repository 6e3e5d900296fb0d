import { MalformedEventException } from '../../errors/malformed-event.exception.js';
import { canonicalUuid } from './event-id.js';
import type { WireInfo } from './wire-info.js';
import { parseWireTimestamp, resolveNaiveZone, type NaiveTimestampZone, type WireTimestamp } from './wire-timestamp.js';

/** A message body taken apart, before the event class is looked up. */
export interface DecodedWireEvent {
  /** Canonical dashed lowercase when the sent id is a UUID in any form; else as sent. */
  readonly eventId: string;
  readonly eventName: string;
  /** Absent in the 0.0.x envelope: its events have no topic. */
  readonly topic?: string;
  readonly payload: unknown;
  /** The timestamp field as sent (any JSON value, or undefined); parse it with {@link WireReader.timestamp}. */
  readonly rawTimestamp: unknown;
  /** Where the timestamp was, for error messages: `event_timestamp`, `eventTimestamp`, `payload.event_timestamp`. */
  readonly timestampField: string;
  readonly info: Omit<WireInfo, 'eventTimestamp'>;
}

const SNAKE = { id: 'event_id', timestamp: 'event_timestamp', name: 'event_name' } as const;
const CAMEL = { id: 'eventId', timestamp: 'eventTimestamp', name: 'eventName' } as const;

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads every python-cqrs generation, recognized per message:
 * the 0.0.x envelope (`message_type`, `message_name`, `message_id`,
 * `payload: {event_id, event_timestamp, event_name, payload}`), the 1.x+
 * pydantic body, and dataclass bodies with camelCase keys (dataclass-wizard 0.x)
 * or snake_case keys (dataclass-wizard 1.0), with dashed or undashed UUIDs.
 * Throws {@link MalformedEventException} with the reason.
 * @publicApi
 */
export class WireReader {
  private readonly naiveToEpoch: ReturnType<typeof resolveNaiveZone>;

  /** `naiveTimestampZone`: see {@link NaiveTimestampZone}; default `'UTC'`. */
  constructor(naiveTimestampZone?: NaiveTimestampZone) {
    this.naiveToEpoch = resolveNaiveZone(naiveTimestampZone);
  }

  read(raw: unknown): DecodedWireEvent {
    if (!isObject(raw)) throw new MalformedEventException('body is not a JSON object');
    if (isEnvelope(raw)) return this.readEnvelope(raw);
    return readBody(raw, '', { format: 'python-cqrs' });
  }

  /** Parses the timestamp of a decoded message; `undefined` when it had none. */
  timestamp(decoded: DecodedWireEvent): WireTimestamp | undefined {
    const value = decoded.rawTimestamp;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new MalformedEventException(`field "${decoded.timestampField}" is not a string`);
    const parsed = parseWireTimestamp(value, this.naiveToEpoch);
    if (!parsed) throw new MalformedEventException(`field "${decoded.timestampField}" is not a date: "${value}"`);
    return parsed;
  }

  private readEnvelope(raw: JsonObject): DecodedWireEvent {
    const inner = raw['payload'] as JsonObject;
    const envelope = {
      messageType: optionalString(raw, 'message_type'),
      messageName: optionalString(raw, 'message_name'),
      messageId: optionalString(raw, 'message_id'),
    };
    // python-cqrs 0.0.x sets message_id = event_id; an inner event without one takes it.
    const body = envelope.messageId !== undefined && !('event_id' in inner) && !('eventId' in inner) ? { ...inner, event_id: envelope.messageId } : inner;
    return readBody(body, 'payload.', { format: 'python-cqrs-0.0', envelope });
  }
}

/** The 0.0.x envelope: message_* fields around an event object, and no event fields of its own. */
function isEnvelope(raw: JsonObject): boolean {
  return ('message_type' in raw || 'message_name' in raw) && isObject(raw['payload']) && !('event_name' in raw) && !('eventName' in raw);
}

function readBody(body: JsonObject, path: string, extra: Pick<WireInfo, 'format' | 'envelope'>): DecodedWireEvent {
  const keys = !(SNAKE.name in body) && (CAMEL.name in body || CAMEL.id in body) ? CAMEL : SNAKE;
  const envelope = extra.format === 'python-cqrs-0.0';
  const required: string[] = envelope ? [keys.id, keys.name] : [keys.id, keys.name, 'topic'];
  for (const field of required) {
    if (typeof body[field] !== 'string' || body[field] === '') {
      throw new MalformedEventException(`field "${path}${field}" is missing or not a string`);
    }
  }
  if (!('payload' in body)) throw new MalformedEventException(`field "${path}payload" is missing`);
  const sentId = body[keys.id] as string;
  const topic = typeof body['topic'] === 'string' && body['topic'] !== '' ? body['topic'] : undefined;
  return {
    eventId: canonicalUuid(sentId) ?? sentId,
    eventName: body[keys.name] as string,
    topic,
    payload: body['payload'],
    rawTimestamp: body[keys.timestamp],
    timestampField: `${path}${keys.timestamp}`,
    info: {
      format: extra.format,
      keys: keys === CAMEL ? 'camelCase' : 'snake_case',
      eventId: sentId,
      ...(extra.envelope ? { envelope: extra.envelope } : {}),
    },
  };
}

function optionalString(raw: JsonObject, field: string): string | undefined {
  return typeof raw[field] === 'string' ? (raw[field] as string) : undefined;
}
