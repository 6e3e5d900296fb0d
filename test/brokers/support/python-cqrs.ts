// Messages built from the golden fixtures (test/fixtures/python-cqrs/README.md), and the peers'
// side of the wire as python-cqrs does it: its RabbitMQ declarations (every version's
// AMQPPublisher / AMQPConsumer, with aio-pika's defaults) and its rules for what it accepts.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqplib, { type ConsumeMessage } from 'amqplib';
import { AMQP_URL, eventually, unique } from './services.js';

/** Every generation the fixtures hold, oldest first. */
export const GENERATIONS = [
  'python-cqrs-0.0.13.envelope',
  'python-cqrs-1.0.0.pydantic',
  'python-cqrs-4.10.3.pydantic',
  'python-cqrs-4.10.3.dataclass-wizard-0.39.1',
  'python-cqrs-4.10.3.dataclass-wizard-1.0.0',
] as const;
export type Generation = (typeof GENERATIONS)[number];

/** The two fixture events, as the samples declare them. */
export const KINDS = {
  notification: { topic: 'meeting_notifications', eventName: 'user_joined_meeting', fixtureId: '82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2', subject: 'm-42', sentAt: '2026-11-29T21:50:08.854936' },
  ecst: { topic: 'meeting_room_notifications', eventName: 'meeting_room_closed', fixtureId: '5f0b7c3e-9a41-4d2b-8e6f-1c2d3e4f5a6b', subject: 'r-7', sentAt: '2026-11-29T21:50:09.120004' },
} as const;
export type Kind = keyof typeof KINDS;

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'python-cqrs');

export interface FixtureMessage {
  readonly generation: Generation;
  readonly kind: Kind;
  readonly topic: string;
  /** The new event id, canonical (dashed, lower case): what our side reads it as. */
  readonly eventId: string;
  /** The new meeting id (notification) or room id (ECST). */
  readonly subject: string;
  /** The fixture's bytes with the event id (in the form that generation writes) and the subject replaced: nothing else changes. */
  readonly body: Buffer;
}

/** A fixture with a fresh event id and subject, so a run never meets a message of an earlier run. */
export function fixtureMessage(generation: Generation, kind: Kind): FixtureMessage {
  const { fixtureId, subject: fixtureSubject, topic } = KINDS[kind];
  const eventId = randomUUID();
  const subject = unique(fixtureSubject);
  const text = readFileSync(join(FIXTURES, `${generation}.${kind}.json`), 'utf8')
    .replaceAll(fixtureId, eventId)
    .replaceAll(fixtureId.replaceAll('-', ''), eventId.replaceAll('-', ''))
    .replaceAll(`"${fixtureSubject}"`, `"${subject}"`);
  if (!text.includes(eventId) && !text.includes(eventId.replaceAll('-', ''))) throw new Error(`fixture ${generation}.${kind}: event id not replaced`);
  if (!text.includes(`"${subject}"`)) throw new Error(`fixture ${generation}.${kind}: subject not replaced`);
  return { generation, kind, topic, eventId, subject, body: Buffer.from(text, 'utf8') };
}

// ---- RabbitMQ, as python-cqrs declares it (src/cqrs/adapters/amqp.py, 0.0.1 to 4.x) ----

/** `declare_queue(name)`: aio-pika's defaults. */
const QUEUE = { durable: false, exclusive: false, autoDelete: false } as const;
/** `declare_exchange(name, type="direct", auto_delete=True)`: aio-pika's defaults otherwise. */
const EXCHANGE = { durable: false, autoDelete: true, internal: false } as const;

/**
 * python-cqrs's `AMQPPublisher.publish`: declare the queue, declare the
 * exchange, bind the queue by routing key = queue name, publish the body
 * (aio-pika `Message(body=…)`: not persistent, no headers, no properties).
 * 1.x+ uses the event's topic as the queue; 0.0.x its broker's one `queue_name`.
 */
export async function publishLikePythonCqrs(exchange: string, messages: ReadonlyArray<{ queue: string; body: Buffer }>, url = AMQP_URL): Promise<void> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    for (const { queue, body } of messages) {
      await channel.assertQueue(queue, QUEUE);
      await channel.assertExchange(exchange, 'direct', EXCHANGE);
      await channel.bindQueue(queue, exchange, queue);
      channel.publish(exchange, queue, body);
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** python-cqrs's `AMQPConsumer.consume`: prefetch 1, declare the queue named after the topic, read it; binds nothing. */
export async function consumeLikePythonCqrs(queue: string, count: number, url = AMQP_URL): Promise<ConsumeMessage[]> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1);
    await channel.assertQueue(queue, QUEUE);
    const messages: ConsumeMessage[] = [];
    await channel.consume(queue, (message) => {
      if (!message) return;
      messages.push(message);
      channel.ack(message);
    });
    await eventually(() => messages.length >= count, `${count} message(s) arrived on ${queue} (got ${messages.length})`);
    return messages;
  } finally {
    await connection.close();
  }
}

/** A virtual host of the test's own: the python-cqrs topology's queues are named after the samples' topics. */
export async function ownVhost(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const vhost = unique(prefix);
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, new URL(AMQP_URL).username || 'guest', '.*', '.*', '.*');
  const parsed = new URL(AMQP_URL);
  parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return { url: parsed.toString(), drop: () => rabbitmqctl('delete_vhost', vhost).catch(() => undefined) };
}

const run = promisify(execFile);
async function rabbitmqctl(...args: string[]): Promise<void> {
  try {
    await run('rabbitmqctl', args);
  } catch (error) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (${(error as Error).message}): these tests need rabbitmqctl on PATH and the right to manage the local node.`);
  }
}

// ---- What python-cqrs accepts (the fixtures README, "What each python-cqrs consumer accepts") ----

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** ISO 8601 with a zone: every python-cqrs generation parses it (pydantic, and dataclass-wizard after its `Z` → `+00:00`). */
const ZONED_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/;

/**
 * Checks one body field by field against python-cqrs 1.x+'s rules for the
 * `'python-cqrs'` format; returns the parsed body.
 */
export function expectPythonCqrsBody(body: Buffer, expected: { topic: string; eventName: string; payload: unknown }): Record<string, unknown> {
  const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  expect(Object.keys(json)).toEqual(['event_id', 'event_timestamp', 'event_name', 'topic', 'payload']);
  expect(json.event_id).toMatch(DASHED_UUID);
  expect(json.event_timestamp).toMatch(ZONED_TIMESTAMP);
  expect(json.event_name).toBe(expected.eventName);
  expect(json.topic).toBe(expected.topic);
  expect(json.payload).toEqual(expected.payload);
  return json;
}

/**
 * Checks one body against python-cqrs 0.0.x's envelope model (`message_type`,
 * `message_name`, `payload` a dict; the inner event with `event_name`, a UUID
 * id and no topic); returns the parsed envelope.
 */
export function expectPythonCqrsEnvelope(body: Buffer, expected: { messageType: 'notification_event' | 'ecst_event'; eventName: string; payload: unknown }): Record<string, any> {
  const json = JSON.parse(body.toString('utf8')) as Record<string, any>;
  expect(Object.keys(json)).toEqual(['message_type', 'message_name', 'message_id', 'payload']);
  expect(json.message_type).toBe(expected.messageType);
  expect(json.message_name).toBe(expected.eventName);
  expect(json.message_id).toMatch(DASHED_UUID);
  expect(Object.keys(json.payload)).toEqual(['event_id', 'event_timestamp', 'event_name', 'payload']);
  expect(json.payload.event_id).toBe(json.message_id);
  expect(json.payload.event_timestamp).toMatch(ZONED_TIMESTAMP);
  expect(json.payload.event_name).toBe(expected.eventName);
  expect(json.payload.payload).toEqual(expected.payload);
  return json;
}
