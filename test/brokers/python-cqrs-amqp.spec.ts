import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import amqplib from 'amqplib';
import request from 'supertest';
import { EventConsumerPipeline, InvalidOptionException } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker, DEFAULT_AMQP_EXCHANGE, DEFAULT_PYTHON_CQRS_EXCHANGE } from 'nestjs-cqrs-broker/amqp';
import { createMeetingNotificationsApp } from '../../apps/meeting-notifications/src/app.factory.js';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { readQueue } from './support/amqp-raw.js';
import {
  consumeLikePythonCqrs,
  expectPythonCqrsBody,
  expectPythonCqrsEnvelope,
  fixtureMessage,
  GENERATIONS,
  KINDS,
  ownVhost,
  publishLikePythonCqrs,
  type FixtureMessage,
} from './support/python-cqrs.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from './support/services.js';
import { Probe, startConsumer } from './support/test-events.js';

/** The exchange_name the python services are configured with (python-cqrs has no default). */
const PYTHON_EXCHANGE = 'python_events';
const SAMPLE_ENV = ['PORT', 'DATABASE_URL', 'BROKER_URL', 'CONSUMER_GROUP', 'AMQP_TOPOLOGY', 'NAIVE_TIMESTAMP_ZONE', 'WIRE_FORMAT', 'RUN_RELAY', 'LOG_LEVEL', 'UNKNOWN_EVENTS'];
const savedEnv = Object.fromEntries(SAMPLE_ENV.map((name) => [name, process.env[name]]));
const restoreEnv = () => {
  for (const [name, value] of Object.entries(savedEnv)) value === undefined ? delete process.env[name] : (process.env[name] = value);
};
const sqliteUrl = (name: string) => `sqlite:${join(mkdtempSync(join(tmpdir(), `${name}-`)), `${name}.sqlite`)}`;

const header = (message: amqplib.ConsumeMessage, name: string) => {
  const value = message.properties.headers?.[name];
  return Buffer.isBuffer(value) ? value.toString() : value === undefined ? undefined : String(value);
};

describe('a python-cqrs publisher on RabbitMQ → the meeting-notifications sample with AMQP_TOPOLOGY=python-cqrs', () => {
  let vhost: Awaited<ReturnType<typeof ownVhost>>;
  let app: INestApplication;
  const group = unique('notifications-py');

  const start = async () => {
    Object.assign(process.env, { PORT: '0', DATABASE_URL: sqliteUrl('notifications'), BROKER_URL: vhost.url, CONSUMER_GROUP: group, AMQP_TOPOLOGY: 'python-cqrs', NAIVE_TIMESTAMP_ZONE: 'Asia/Tokyo', LOG_LEVEL: 'silent' });
    app = await createMeetingNotificationsApp();
    await app.init();
    await app.startAllMicroservices();
  };
  const notifications = async () =>
    (await request(app.getHttpServer()).get('/notifications?limit=1000').expect(200)).body as Array<{ eventId: string; message: string; occurredAt: string }>;
  /** python-cqrs 1.x+ publishes to the queue named after the event's topic; 0.0.x to its broker's queue_name (here: the same name). */
  const publish = (messages: readonly FixtureMessage[]) => publishLikePythonCqrs(PYTHON_EXCHANGE, messages.map(({ topic, body }) => ({ queue: topic, body })), vhost.url);

  beforeAll(async () => {
    await requireRabbitMq();
    vhost = await ownVhost('cqrs-python');
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.drop();
    restoreEnv();
  });

  it('handles a notification and an ECST event of every generation, sent before and after it starts, with no binding made by anyone but python-cqrs', async () => {
    const all = (['notification', 'ecst'] as const).flatMap((kind) => GENERATIONS.map((generation) => [generation, kind] as const));
    const before = all.map(([generation, kind]) => fixtureMessage(generation, kind));
    // The python side declares its queues first (nobody else has): the messages wait there.
    await publish(before);
    await start();
    // Our consumer declared the same queues: python-cqrs's declarations still pass (a difference would be PRECONDITION_FAILED).
    const after = all.map(([generation, kind]) => fixtureMessage(generation, kind));
    await publish(after);

    const sent = [...before, ...after];
    await eventually(async () => {
      const ids = new Set((await notifications()).map((n) => n.eventId));
      return sent.every((message) => ids.has(message.eventId));
    }, `all ${sent.length} fixture messages are notifications`);
    const byId = new Map((await notifications()).map((n) => [n.eventId, n]));
    for (const message of sent) {
      const notification = byId.get(message.eventId)!;
      expect(notification.message, message.generation).toBe(message.kind === 'notification' ? `User u-1 joined meeting ${message.subject}` : `Meeting room ${message.subject} was closed`);
      // Naive local time of the producer, read in NAIVE_TIMESTAMP_ZONE (Asia/Tokyo, UTC+9).
      expect(new Date(notification.occurredAt).toISOString(), message.generation).toBe(message.kind === 'notification' ? '2026-11-29T12:50:08.854Z' : '2026-11-29T12:50:09.120Z');
    }
  });

  it("acknowledges an event it has no class for (unknownEvents 'skip', the default), dead-letters nothing, and handles the next message", async () => {
    const pipeline = app.get(EventConsumerPipeline);
    const skippedBefore = pipeline.skippedCount;
    const foreign = Buffer.from(
      JSON.stringify({ event_id: crypto.randomUUID(), event_timestamp: '2026-11-29T21:51:00.000001', event_name: 'meeting_rescheduled', topic: KINDS.notification.topic, payload: { meetingId: 'm-1' } }),
    );
    const next = fixtureMessage('python-cqrs-4.10.3.pydantic', 'notification');
    await publishLikePythonCqrs(PYTHON_EXCHANGE, [{ queue: KINDS.notification.topic, body: foreign }, { queue: next.topic, body: next.body }], vhost.url);

    await eventually(async () => (await notifications()).some((n) => n.eventId === next.eventId), 'the message after the unknown one is a notification');
    expect(pipeline.skippedCount).toBe(skippedBefore + 1);
    const connection = await amqplib.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      expect((await channel.checkQueue(KINDS.notification.topic)).messageCount).toBe(0);
      expect((await channel.checkQueue(`${group}.dlq`)).messageCount).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('with UNKNOWN_EVENTS=dead-letter, dead-letters an event it has no class for, with its reason, and handles the next message', async () => {
    await app.close();
    process.env.UNKNOWN_EVENTS = 'dead-letter';
    await start();
    const foreign = Buffer.from(
      JSON.stringify({ event_id: crypto.randomUUID(), event_timestamp: '2026-11-29T21:52:00.000001', event_name: 'meeting_moved', topic: KINDS.notification.topic, payload: { meetingId: 'm-2' } }),
    );
    const next = fixtureMessage('python-cqrs-4.10.3.pydantic', 'notification');
    await publishLikePythonCqrs(PYTHON_EXCHANGE, [{ queue: KINDS.notification.topic, body: foreign }, { queue: next.topic, body: next.body }], vhost.url);

    await eventually(async () => (await notifications()).some((n) => n.eventId === next.eventId), 'the message after the unknown one is a notification');
    const [deadLetter] = await readQueue(`${group}.dlq`, 1, vhost.url);
    expect(deadLetter.content.equals(foreign)).toBe(true);
    expect(header(deadLetter, 'x-dead-letter-reason')).toBe(`Malformed event: unknown event name "meeting_moved" on topic "${KINDS.notification.topic}"`);
  });
});

describe("a python-cqrs publisher on RabbitMQ → a consumer with unknownEvents 'dead-letter' (python-cqrs topology)", () => {
  let vhost: Awaited<ReturnType<typeof ownVhost>>;
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    await requireRabbitMq();
    vhost = await ownVhost('cqrs-python-dl');
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.drop();
  });

  it('dead-letters the unknown event at once, with the topic it was read from, and handles the next message', async () => {
    const topic = unique('py-topic');
    const queue = unique('py-consumer');
    const probe = new Probe();
    app = await startConsumer(new AmqpEventConsumer({ url: vhost.url, topology: 'python-cqrs', queue, routingKeys: [topic] }), probe, {
      name: 'python-cqrs-amqp-spec',
      consumer: { unknownEvents: 'dead-letter' },
    });
    const body = (eventName: string, payload: unknown) =>
      Buffer.from(JSON.stringify({ payload, event_id: crypto.randomUUID(), event_timestamp: '2026-11-29T21:50:08.854936', event_name: eventName, topic }));
    const unknownBody = body('meeting_rescheduled', { meetingId: 'm-1' });
    await publishLikePythonCqrs(PYTHON_EXCHANGE, [{ queue: topic, body: unknownBody }, { queue: topic, body: body('broker_test_probe', { key: 'k', seq: 1 }) }], vhost.url);

    await eventually(() => probe.handledSeqs().includes(1), 'the probe after the unknown event was handled');
    const [deadLetter] = await readQueue(`${queue}.dlq`, 1, vhost.url);
    expect(deadLetter.content.equals(unknownBody)).toBe(true);
    expect(header(deadLetter, 'x-dead-letter-reason')).toBe(`Malformed event: unknown event name "meeting_rescheduled" on topic "${topic}"`);
    expect(header(deadLetter, 'x-delivery-attempts')).toBe('1');
    expect(header(deadLetter, 'x-original-topic')).toBe(topic);
    expect(header(deadLetter, 'x-original-exchange')).toBe(PYTHON_EXCHANGE);
  });
});

describe.each([
  { wireFormat: 'python-cqrs', reader: 'python-cqrs 1.x+' },
  { wireFormat: 'python-cqrs-0.0', reader: 'python-cqrs 0.0.x' },
] as const)('the meeting-rooms relay with AMQP_TOPOLOGY=python-cqrs and WIRE_FORMAT=$wireFormat → a $reader consumer', ({ wireFormat }) => {
  let vhost: Awaited<ReturnType<typeof ownVhost>>;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    await requireRabbitMq();
    vhost = await ownVhost('cqrs-python-relay');
    Object.assign(process.env, { PORT: '0', DATABASE_URL: sqliteUrl('rooms'), BROKER_URL: vhost.url, AMQP_TOPOLOGY: 'python-cqrs', WIRE_FORMAT: wireFormat, RUN_RELAY: 'true', LOG_LEVEL: 'silent' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.drop();
    restoreEnv();
  });

  it('publishes to the queue named after each topic, declared and bound as python-cqrs does, non-persistent and without headers, in the format python-cqrs reads', async () => {
    const [meetingId, roomId] = [unique('standup'), unique('room')];
    expect((await fetch(`${base}/meetings/${meetingId}/participants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ada' }) })).status).toBe(201);
    expect((await fetch(`${base}/rooms/${roomId}/close`, { method: 'POST' })).status).toBe(200);

    // A python-cqrs consumer: declares the queue named after the topic (as python-cqrs does) and reads it.
    const [joined] = await consumeLikePythonCqrs(KINDS.notification.topic, 1, vhost.url);
    const [closed] = await consumeLikePythonCqrs(KINDS.ecst.topic, 1, vhost.url);
    for (const [message, topic] of [[joined, KINDS.notification.topic], [closed, KINDS.ecst.topic]] as const) {
      expect(message.fields.exchange).toBe(DEFAULT_PYTHON_CQRS_EXCHANGE);
      expect(message.fields.routingKey).toBe(topic);
      expect(message.properties.deliveryMode === undefined || message.properties.deliveryMode === 1).toBe(true);
      expect(message.properties.headers ?? {}).toEqual({});
    }
    if (wireFormat === 'python-cqrs') {
      expectPythonCqrsBody(joined.content, { topic: KINDS.notification.topic, eventName: 'user_joined_meeting', payload: { meetingId, userId: 'ada' } });
      const body = expectPythonCqrsBody(closed.content, { topic: KINDS.ecst.topic, eventName: 'meeting_room_closed', payload: expect.objectContaining({ meetingRoomId: roomId }) });
      expect(joined.properties.messageId).toBe(JSON.parse(joined.content.toString()).event_id);
      expect(closed.properties.messageId).toBe(body.event_id);
    } else {
      const envelope = expectPythonCqrsEnvelope(joined.content, { messageType: 'notification_event', eventName: 'user_joined_meeting', payload: { meetingId, userId: 'ada' } });
      expectPythonCqrsEnvelope(closed.content, { messageType: 'ecst_event', eventName: 'meeting_room_closed', payload: expect.objectContaining({ meetingRoomId: roomId }) });
      expect(joined.properties.messageId).toBe(envelope.message_id);
    }

    // What python-cqrs's publisher declares passes against what ours declared: same queue, same exchange.
    const connection = await amqplib.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(KINDS.notification.topic, { durable: false, exclusive: false, autoDelete: false });
      await channel.assertExchange(DEFAULT_PYTHON_CQRS_EXCHANGE, 'direct', { durable: false, autoDelete: true });
    } finally {
      await connection.close();
    }
  });
});

describe('bridging from the default topology: a python-cqrs consumer reads the topic through a queue bound by hand', () => {
  let vhost: Awaited<ReturnType<typeof ownVhost>>;
  let app: INestApplication;

  beforeAll(async () => {
    await requireRabbitMq();
    vhost = await ownVhost('cqrs-python-bridge');
  });

  afterAll(async () => {
    await app?.close();
    await vhost?.drop();
    restoreEnv();
  });

  it('gets what the default-topology relay publishes to cqrs.events once its queue is bound by routing key = topic', async () => {
    // The bridge (docs/python-cqrs.md): python-cqrs's queue, declared as python-cqrs does, bound to our durable topic exchange.
    const setup = await amqplib.connect(vhost.url);
    const channel = await setup.createChannel();
    await channel.assertExchange(DEFAULT_AMQP_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(KINDS.notification.topic, { durable: false, exclusive: false, autoDelete: false });
    await channel.bindQueue(KINDS.notification.topic, DEFAULT_AMQP_EXCHANGE, KINDS.notification.topic);
    await setup.close();

    Object.assign(process.env, { PORT: '0', DATABASE_URL: sqliteUrl('rooms'), BROKER_URL: vhost.url, AMQP_TOPOLOGY: 'default', WIRE_FORMAT: 'python-cqrs', RUN_RELAY: 'true', LOG_LEVEL: 'silent' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.listen(0);
    const meetingId = unique('bridge');
    const response = await fetch(`http://127.0.0.1:${app.getHttpServer().address().port}/meetings/${meetingId}/participants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'grace' }),
    });
    expect(response.status).toBe(201);

    const [message] = await consumeLikePythonCqrs(KINDS.notification.topic, 1, vhost.url);
    expectPythonCqrsBody(message.content, { topic: KINDS.notification.topic, eventName: 'user_joined_meeting', payload: { meetingId, userId: 'grace' } });
    // The default topology's message is persistent and carries our headers; python-cqrs ignores both.
    expect(message.properties.deliveryMode).toBe(2);
    expect(header(message, 'event-name')).toBe('user_joined_meeting');
  });
});

describe('the topology option is checked at construction', () => {
  it("refuses an exchange type other than python-cqrs's direct, an unknown topology, and a default-topology consumer without a queue", () => {
    expect(() => new AmqpMessageBroker({ url: AMQP_URL, topology: 'python-cqrs', exchangeType: 'topic' })).toThrow(InvalidOptionException);
    expect(() => new AmqpMessageBroker({ url: AMQP_URL, topology: 'python-cqrs', exchangeType: 'topic' })).toThrow("exchangeType must be 'direct' (or unset) with topology 'python-cqrs', got topic");
    expect(() => new AmqpMessageBroker({ url: AMQP_URL, topology: 'pika' as never })).toThrow("topology must be 'default' or 'python-cqrs', got pika");
    expect(() => new AmqpEventConsumer({ url: AMQP_URL })).toThrow("queue must be a queue name (required with topology 'default'), got undefined");
    expect(new AmqpEventConsumer({ url: AMQP_URL, topology: 'python-cqrs', queue: 'svc' }).deadLetterQueue).toBe('svc.dlq');
  });
});
