import type { WireFormat } from './wire-format.js';
import type { WireTimestamp } from './wire-timestamp.js';

/**
 * How an event we read was laid out on the wire, with the values its
 * producer sent before we normalized them. Read it with {@link wireInfoOf}.
 * @publicApi
 */
export interface WireInfo {
  /** `'python-cqrs-0.0'` when the event came in the 0.0.x envelope, else `'python-cqrs'`. */
  readonly format: WireFormat;
  /**
   * `'camelCase'`: `eventId`, `eventTimestamp`, `eventName` (python-cqrs
   * dataclass events written by dataclass-wizard 0.x, which also camel-cases
   * the payload's keys). `'snake_case'`: pydantic events, and dataclass events
   * written by dataclass-wizard 1.0.
   */
  readonly keys: 'snake_case' | 'camelCase';
  /**
   * The event id exactly as sent. `event.eventId` holds the canonical dashed
   * lowercase form when this is a UUID in another form (dataclass-wizard
   * writes 32 hex digits without dashes); any other text is kept as it is.
   */
  readonly eventId: string;
  /** The timestamp as sent, with its microseconds; absent when the message had none. */
  readonly eventTimestamp?: WireTimestamp;
  /** The body's content type, e.g. `application/json`, `application/x-protobuf` (see `EventCodec`). */
  readonly contentType?: string;
  /** The 0.0.x envelope's own fields, when the event came in one. */
  readonly envelope?: {
    readonly messageType?: string;
    readonly messageName?: string;
    readonly messageId?: string;
  };
}

const infos = new WeakMap<object, WireInfo>();

/**
 * How `event` was laid out on the wire, when it was read from a message;
 * `undefined` for events built in this process.
 *
 * ```ts
 * const micros = wireInfoOf(event)?.eventTimestamp?.microsecond;
 * ```
 * @publicApi
 */
export function wireInfoOf(event: object): WireInfo | undefined {
  return infos.get(event);
}

/** Records how `event` was read. Used by the serializer. */
export function attachWireInfo<T extends object>(event: T, info: WireInfo): T {
  infos.set(event, info);
  return event;
}
