import { JSON_CONTENT_TYPE } from '../../brokers/broker-message.js';
import { MalformedEventException } from '../../errors/malformed-event.exception.js';
import { UnserializableEventException } from '../../errors/unserializable-event.exception.js';
import type { NotificationEvent } from '../notification-event.js';
import type { WireFormat } from '../wire/wire-format.js';
import type { DecodedWireEvent, WireReader } from '../wire/wire-reader.js';
import { writeWireEvent } from '../wire/wire-writer.js';
import type { EventCodec } from './event-codec.interface.js';

/**
 * The default codec: python-cqrs's JSON in the {@link WireFormat} of the
 * event's topic; reads every python-cqrs generation. Built by the
 * `EventSerializer` from its options.
 */
export class JsonEventCodec implements EventCodec {
  readonly contentType = JSON_CONTENT_TYPE;

  constructor(
    private readonly formatFor: (topic: string) => WireFormat,
    private readonly reader: WireReader,
  ) {}

  encode(event: NotificationEvent<unknown>): Buffer {
    const wire = writeWireEvent(event, this.formatFor(event.topic));
    let json: string | undefined;
    try {
      json = JSON.stringify(wire);
    } catch (error) {
      throw new UnserializableEventException(event.eventName, error);
    }
    if (event.payload === undefined) throw new UnserializableEventException(event.eventName, 'payload is undefined');
    return Buffer.from(json, 'utf8');
  }

  read(body: Buffer): DecodedWireEvent {
    return this.reader.read(this.parse(body));
  }

  /** The body's JSON value. Throws {@link MalformedEventException} when it is not JSON. */
  parse(body: Buffer | string): unknown {
    try {
      return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch (error) {
      throw new MalformedEventException(`body is not JSON (${(error as Error).message})`, { cause: error });
    }
  }
}
