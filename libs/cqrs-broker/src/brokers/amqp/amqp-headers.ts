import type { Message } from 'amqplib';
import { MessageHeaders } from '../broker-message.js';

/**
 * AMQP header values may be numbers, buffers, tables…; the pipeline (and a
 * listed dead letter) reads strings. The event id falls back to the
 * `messageId` property and the content type to the `contentType` property
 * (a publisher such as python-cqrs 5.x's protobuf codec sets only that).
 */
export function stringAmqpHeaders(message: Message): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (!headers[MessageHeaders.eventId] && message.properties.messageId) headers[MessageHeaders.eventId] = String(message.properties.messageId);
  if (!headers[MessageHeaders.contentType] && message.properties.contentType) headers[MessageHeaders.contentType] = String(message.properties.contentType);
  return headers;
}
