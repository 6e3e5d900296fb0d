import type { PreparedOutboxRow } from './outbox.dialect.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';

/** Version byte of the layout below; a relay refuses messages of a layout it does not know. */
const LAYOUT_V1 = 1;

/**
 * The content of one transaction's logical-decoding message (relay source
 * `logical-replication`): every event the transaction added, in order.
 *
 * Layout: a version byte, then per event a 4-byte length and a JSON array
 * `[eventId, eventName, topic, key, contentType, codec, headers]`, a 4-byte
 * length and the (compressed) body bytes. The body is not JSON-escaped, so
 * compressed bodies travel as they are. An empty message is a heartbeat.
 */
export function encodeWalMessage(rows: readonly PreparedOutboxRow[]): Buffer {
  const parts: Buffer[] = [Buffer.from([LAYOUT_V1])];
  for (const row of rows) {
    const meta = Buffer.from(JSON.stringify([row.eventId, row.eventName, row.topic, row.key, row.contentType, row.codec, row.headers]));
    const lengths = Buffer.allocUnsafe(4);
    lengths.writeUInt32BE(meta.length, 0);
    const bodyLength = Buffer.allocUnsafe(4);
    bodyLength.writeUInt32BE(row.payload.length, 0);
    parts.push(lengths, meta, bodyLength, row.payload);
  }
  return Buffer.concat(parts);
}

/** Reads what {@link encodeWalMessage} wrote; throws on anything else. */
export function decodeWalMessage(content: Uint8Array): PreparedOutboxRow[] {
  const buffer = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (!buffer.length) return [];
  if (buffer[0] !== LAYOUT_V1) throw new MalformedEventException(`unknown outbox WAL message layout ${buffer[0]}`);
  const rows: PreparedOutboxRow[] = [];
  let at = 1;
  while (at < buffer.length) {
    const metaLength = buffer.readUInt32BE(at);
    const [eventId, eventName, topic, key, contentType, codec, headers] = JSON.parse(buffer.toString('utf8', at + 4, at + 4 + metaLength));
    at += 4 + metaLength;
    const bodyLength = buffer.readUInt32BE(at);
    // A copy: the message buffer belongs to the replication stream.
    const payload = Buffer.from(buffer.subarray(at + 4, at + 4 + bodyLength));
    if (payload.length !== bodyLength) throw new MalformedEventException('truncated outbox WAL message');
    at += 4 + bodyLength;
    rows.push({ eventId, eventName, topic, key, contentType, codec, headers, payload });
  }
  return rows;
}
