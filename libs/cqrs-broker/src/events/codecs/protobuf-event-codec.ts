import type { Type } from '@nestjs/common';
import type * as ProtobufTypes from 'protobufjs';
import { ConfigurationException } from '../../errors/configuration.exception.js';
import { InvalidOptionException } from '../../errors/invalid-option.exception.js';
import { MalformedEventException } from '../../errors/malformed-event.exception.js';
import { CODEC_NOT_PREPARED, PROTOBUF_OPTIONS, PROTOBUF_TYPE_NOT_FOUND } from '../../errors/messages.js';
import { UnserializableEventException } from '../../errors/unserializable-event.exception.js';
import { MessageHeaders } from '../../brokers/broker-message.js';
import type { NotificationEvent } from '../notification-event.js';
import { canonicalUuid } from '../wire/event-id.js';
import type { DecodedWireEvent } from '../wire/wire-reader.js';
import { writeBody } from '../wire/wire-writer.js';
import type { EventCodec } from './event-codec.interface.js';
import { loadProtobufJs, type ProtobufJs } from './protobuf.loader.js';

/** The content type of protobuf event bodies; python-cqrs 5.x's protobuf codec writes the same. @publicApi */
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/**
 * A protobuf message type: a protobufjs `Type` (from `root.lookupType(…)`)
 * or a class `pbjs` generated as static code. Only these members are used.
 * @publicApi
 */
export interface ProtobufMessageType {
  encode(message: any): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: { [field: string]: any }): object;
  toObject(message: any, options?: object): { [field: string]: any };
  verify(message: { [field: string]: any }): string | null;
}

/**
 * Options of {@link protobufCodec}: the payload's message type, by name in a
 * `.proto` (a file, or its text), or as a type object. `.proto` files are
 * read with `keepCase`, so fields keep their snake_case names, as in JSON.
 * @publicApi
 */
export interface ProtobufCodecOptions {
  /** The payload's message type: its full name (`rooms.RoomBookedPayload`) in `protoFile`/`protoSource`, or a type object. */
  readonly messageType: string | ProtobufMessageType;
  /** Path(s) of the `.proto` file(s) defining `messageType`, read at startup. */
  readonly protoFile?: string | readonly string[];
  /** The `.proto` text defining `messageType`. */
  readonly protoSource?: string;
}

/** The envelope's fields, as protobufjs reads them (unset strings read as `''`). */
interface EnvelopeFields {
  event_id: string;
  event_timestamp: string;
  event_name: string;
  topic: string;
  payload: Uint8Array;
}

/**
 * Reads the payload into plain data: 64-bit integers as decimal strings (no
 * digit lost), enums by name, bytes as base64, unset fields at their proto3
 * defaults (so a payload class sees every field).
 */
const TO_OBJECT = { longs: String, enums: String, bytes: String, defaults: true } as const;

/** One envelope type per loaded protobufjs: built once. */
const envelopes = new WeakMap<object, ProtobufTypes.Type>();

/**
 * The envelope every protobuf event travels in, field numbers as in
 * python-cqrs's protobuf example (`event_id = 1`, `event_timestamp = 2`,
 * `event_name = 3`, `payload = 6`) plus `topic = 4`; the payload is the
 * encoded payload message (a `bytes` field is byte for byte the same as an
 * embedded message field).
 */
function envelopeOf(protobuf: ProtobufJs): ProtobufTypes.Type {
  let envelope = envelopes.get(protobuf);
  if (!envelope) {
    envelope = new protobuf.Type('EventEnvelope')
      .add(new protobuf.Field('event_id', 1, 'string'))
      .add(new protobuf.Field('event_timestamp', 2, 'string'))
      .add(new protobuf.Field('event_name', 3, 'string'))
      .add(new protobuf.Field('topic', 4, 'string'))
      .add(new protobuf.Field('payload', 6, 'bytes'));
    new protobuf.Root().define('nestjs_cqrs_broker').add(envelope);
    envelopes.set(protobuf, envelope);
  }
  return envelope;
}

const DECIMAL = /^[+-]?\d+$/;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of `value` with decimal strings in 64-bit integer fields turned
 * into `Long`s and enum names into their numbers (nested messages, repeated
 * and map fields included): the codec reads such fields that way, so an
 * event read can be written again, and `verify` wants them the other way.
 */
function longsFromStrings(protobuf: ProtobufJs, type: ProtobufTypes.Type, value: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...value };
  for (const field of type.fieldsArray) {
    const current = copy[field.name];
    if (current === undefined || current === null) continue;
    const convert = (item: unknown): unknown => {
      if (field.long && typeof item === 'string' && DECIMAL.test(item)) {
        const unsigned = field.type === 'uint64' || field.type === 'fixed64';
        const Long = protobuf.util.Long as unknown as { fromString(text: string, unsigned: boolean): object } | undefined;
        return Long ? Long.fromString(item, unsigned) : Number(item);
      }
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Enum && typeof item === 'string' && Object.hasOwn(resolved.values, item)) return resolved.values[item];
      return resolved instanceof protobuf.Type && isRecord(item) ? longsFromStrings(protobuf, resolved, item) : item;
    };
    if (field.map) copy[field.name] = isRecord(current) ? Object.fromEntries(Object.entries(current).map(([k, item]) => [k, convert(item)])) : current;
    else if (field.repeated) copy[field.name] = Array.isArray(current) ? current.map(convert) : current;
    else copy[field.name] = convert(current);
  }
  return copy;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Protobuf bodies (`content-type: application/x-protobuf`). The body is an
 * envelope message holding the event's metadata (`event_id`,
 * `event_timestamp` as ISO 8601 text, `event_name`, `topic`) and its
 * payload, encoded with the payload's message type. protobufjs (an optional
 * peer) is loaded at startup, when the first class declaring this codec is
 * registered. Build it with {@link protobufCodec}.
 * @publicApi
 */
export class ProtobufEventCodec implements EventCodec {
  readonly contentType = PROTOBUF_CONTENT_TYPE;
  private protobuf?: ProtobufJs;
  private envelope?: ProtobufTypes.Type;
  private payloadType?: ProtobufMessageType;
  private readonly typeName: string;

  constructor(private readonly options: ProtobufCodecOptions) {
    const { messageType, protoFile, protoSource } = options ?? ({} as ProtobufCodecOptions);
    const named = typeof messageType === 'string' && messageType !== '';
    const given = typeof messageType === 'object' && messageType !== null;
    if (named ? (protoFile === undefined) === (protoSource === undefined) : !given || protoFile !== undefined || protoSource !== undefined) {
      throw new InvalidOptionException('protobufCodec', PROTOBUF_OPTIONS, options);
    }
    this.typeName = named ? (messageType as string) : ((messageType as { name?: string }).name ?? 'the payload type');
  }

  async prepare(eventType: Type<NotificationEvent<any>>): Promise<void> {
    const protobuf = await loadProtobufJs(eventType.name);
    this.protobuf = protobuf;
    this.envelope = envelopeOf(protobuf);
    if (this.payloadType) return;
    const { messageType, protoFile, protoSource } = this.options;
    if (typeof messageType !== 'string') {
      // A reflection Type resolves its fields here, once (a pbjs static class has nothing to resolve).
      if (messageType instanceof protobuf.Type) messageType.root.resolveAll();
      this.payloadType = messageType;
      return;
    }
    const root =
      protoSource !== undefined
        ? protobuf.parse(protoSource, { keepCase: true }).root
        : await new protobuf.Root().load(typeof protoFile === 'string' ? protoFile : [...protoFile!], { keepCase: true });
    let type: ProtobufTypes.Type;
    try {
      type = root.lookupType(messageType);
    } catch (error) {
      throw new ConfigurationException(PROTOBUF_TYPE_NOT_FOUND(messageType, eventType.name), { cause: error });
    }
    root.resolveAll();
    this.payloadType = type;
  }

  /** Why `payload` does not fit the payload type, or `null`; 64-bit integers may be decimal strings. */
  private misfit(payload: Record<string, unknown>): string | null {
    const payloadType = this.payloadType!;
    const problem = payloadType.verify(payload);
    if (problem === null || !(payloadType instanceof this.protobuf!.Type)) return problem;
    return payloadType.verify(longsFromStrings(this.protobuf!, payloadType, payload));
  }

  encode(event: NotificationEvent<unknown>): Buffer {
    const { envelope, payloadType } = this;
    if (!envelope || !payloadType) {
      throw new UnserializableEventException(event.eventName, CODEC_NOT_PREPARED(event.constructor.name, this.contentType));
    }
    const body = writeBody(event);
    const payload = event.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new UnserializableEventException(event.eventName, `payload is not an object, so not a ${this.typeName}`);
    }
    let encoded: Uint8Array;
    try {
      const problem = this.misfit(payload as Record<string, unknown>);
      if (problem) throw new Error(problem);
      encoded = payloadType.encode(payloadType.fromObject(payload as Record<string, unknown>)).finish();
    } catch (error) {
      throw new UnserializableEventException(event.eventName, `payload does not fit ${this.typeName}: ${describe(error)}`);
    }
    const fields: EnvelopeFields = {
      event_id: body.event_id,
      event_timestamp: body.event_timestamp,
      event_name: body.event_name,
      topic: body.topic,
      payload: encoded,
    };
    return asBuffer(envelope.encode(fields).finish());
  }

  read(body: Buffer, headers: Readonly<Record<string, string>>): DecodedWireEvent {
    if (!this.envelope) throw new MalformedEventException(`no protobuf event class is prepared to read a ${this.contentType} body`);
    let fields: EnvelopeFields;
    try {
      fields = this.envelope.decode(body) as unknown as EnvelopeFields;
    } catch (error) {
      throw new MalformedEventException(`body is not a protobuf event envelope (${describe(error)})`, { cause: error });
    }
    // python-cqrs 5.x sends event_name / message_id headers with protobuf bodies; ours send event-name / event-id.
    const eventName = fields.event_name || headers[MessageHeaders.eventName] || headers['event_name'];
    if (!eventName) throw new MalformedEventException('protobuf body has no event_name (field 3) and the message no event-name header');
    const sentId = fields.event_id || headers[MessageHeaders.eventId] || headers['message_id'];
    if (!sentId) throw new MalformedEventException(`protobuf body of "${eventName}" has no event_id (field 1) and the message no event-id header`);
    return {
      eventId: canonicalUuid(sentId) ?? sentId,
      eventName,
      topic: fields.topic || undefined,
      payload: fields.payload,
      rawTimestamp: fields.event_timestamp || undefined,
      timestampField: 'event_timestamp',
      info: { format: 'python-cqrs', keys: 'snake_case', eventId: sentId },
    };
  }

  decodePayload(decoded: DecodedWireEvent): unknown {
    const payloadType = this.payloadType!;
    try {
      return payloadType.toObject(payloadType.decode(decoded.payload as Uint8Array), TO_OBJECT);
    } catch (error) {
      throw new MalformedEventException(`payload of "${decoded.eventName}" is not a ${this.typeName} (${describe(error)})`, { cause: error });
    }
  }
}

/**
 * A protobuf codec for one event class, for `@IntegrationEvent({ …, codec })`:
 *
 * ```ts
 * codec: protobufCodec({ protoFile: 'proto/rooms.proto', messageType: 'rooms.RoomBookedPayload' })
 * ```
 * @publicApi
 */
export function protobufCodec(options: ProtobufCodecOptions): ProtobufEventCodec {
  return new ProtobufEventCodec(options);
}
