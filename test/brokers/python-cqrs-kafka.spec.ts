import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import request from 'supertest';
import { EventConsumerPipeline } from 'nestjs-cqrs-broker';
import { KafkaEventConsumer } from 'nestjs-cqrs-broker/kafka';
import { createMeetingNotificationsApp } from '../../apps/meeting-notifications/src/app.factory.js';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { rawKafka, readKafkaTopic } from './support/kafka-raw.js';
import { expectPythonCqrsBody, expectPythonCqrsEnvelope, fixtureMessage, GENERATIONS, KINDS, type FixtureMessage } from './support/python-cqrs.js';
import { eventually, KAFKA_BROKERS, requireKafka, unique } from './support/services.js';
import { Probe, startConsumer } from './support/test-events.js';

const BROKER_URL = `kafka://${KAFKA_BROKERS.join(',')}`;
const SAMPLE_ENV = ['PORT', 'DATABASE_URL', 'BROKER_URL', 'CONSUMER_GROUP', 'NAIVE_TIMESTAMP_ZONE', 'WIRE_FORMAT', 'RUN_RELAY', 'LOG_LEVEL'];
const savedEnv = Object.fromEntries(SAMPLE_ENV.map((name) => [name, process.env[name]]));
const restoreEnv = () => {
  for (const [name, value] of Object.entries(savedEnv)) value === undefined ? delete process.env[name] : (process.env[name] = value);
};
const sqliteUrl = (name: string) => `sqlite:${join(mkdtempSync(join(tmpdir(), `${name}-`)), `${name}.sqlite`)}`;

/** python-cqrs's Kafka producer: the body as the value; no key, no headers. */
async function publishLikePythonCqrs(messages: ReadonlyArray<{ topic: string; body: Buffer }>): Promise<void> {
  const producer = rawKafka().producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    for (const { topic, body } of messages) await producer.send({ topic, acks: -1, messages: [{ value: body }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the beginning until a message whose value contains `marker` (the topics are the samples', shared by test runs). */
async function findOnTopic(topic: string, marker: string): Promise<KafkaMessage> {
  const consumer = rawKafka().consumer({ groupId: unique('python-reader') });
  let found: KafkaMessage | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value?.toString('utf8').includes(marker)) found = message;
      },
    });
    await eventually(() => found !== undefined, `a message with ${marker} on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return found!;
}

describe('a python-cqrs publisher on Kafka → the meeting-notifications sample', () => {
  let app: INestApplication;

  beforeAll(async () => {
    await requireKafka();
    Object.assign(process.env, { PORT: '0', DATABASE_URL: sqliteUrl('notifications'), BROKER_URL, CONSUMER_GROUP: unique('notifications-py'), NAIVE_TIMESTAMP_ZONE: '+09:00', LOG_LEVEL: 'silent' });
    app = await createMeetingNotificationsApp();
    await app.init();
    await app.startAllMicroservices();
  });

  afterAll(async () => {
    await app?.close();
    restoreEnv();
  });

  it('handles a notification and an ECST event of every generation, sent with no key and no headers', async () => {
    const sent: FixtureMessage[] = (['notification', 'ecst'] as const).flatMap((kind) => GENERATIONS.map((generation) => fixtureMessage(generation, kind)));
    await publishLikePythonCqrs(sent);

    const notifications = async () =>
      (await request(app.getHttpServer()).get('/notifications?limit=1000').expect(200)).body as Array<{ eventId: string; message: string; occurredAt: string }>;
    await eventually(async () => {
      const ids = new Set((await notifications()).map((n) => n.eventId));
      return sent.every((message) => ids.has(message.eventId));
    }, `all ${sent.length} fixture messages are notifications`);
    const byId = new Map((await notifications()).map((n) => [n.eventId, n]));
    for (const message of sent) {
      const notification = byId.get(message.eventId)!;
      expect(notification.message, message.generation).toBe(message.kind === 'notification' ? `User u-1 joined meeting ${message.subject}` : `Meeting room ${message.subject} was closed`);
      expect(new Date(notification.occurredAt).toISOString(), message.generation).toBe(message.kind === 'notification' ? '2026-11-29T12:50:08.854Z' : '2026-11-29T12:50:09.120Z');
    }
  });
});

describe.each([
  { policy: 'skip', outcome: 'acknowledges it (committed), dead-letters nothing' },
  { policy: 'dead-letter', outcome: 'dead-letters it at once to <topic>.DLT' },
] as const)("a python-cqrs event no class is registered for, on Kafka, with unknownEvents '$policy'", ({ policy, outcome }) => {
  let app: INestMicroservice | undefined;

  beforeAll(() => requireKafka());
  afterAll(() => app?.close());

  it(`${outcome}, and handles the next message`, async () => {
    const topic = unique('py-kafka-unknown');
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }, { topic: `${topic}.DLT` }], waitForLeaders: true });
    await admin.disconnect();
    const probe = new Probe();
    app = await startConsumer(new KafkaEventConsumer({ client: { brokers: KAFKA_BROKERS, clientId: 'python-cqrs-kafka-spec' }, groupId: unique('group'), topics: [topic] }), probe, {
      name: 'python-cqrs-kafka-spec',
      consumer: { unknownEvents: policy },
    });
    const body = (eventName: string, payload: unknown) =>
      Buffer.from(JSON.stringify({ payload, event_id: randomUUID(), event_timestamp: '2026-11-29T21:50:08.854936', event_name: eventName, topic }));
    const unknownBody = body('meeting_rescheduled', { meetingId: 'm-1' });
    await publishLikePythonCqrs([
      { topic, body: unknownBody },
      { topic, body: body('broker_test_probe', { key: 'k', seq: 1 }) },
    ]);

    await eventually(() => probe.handledSeqs().includes(1), 'the probe after the unknown event was handled');
    const pipeline = app.get(EventConsumerPipeline);
    if (policy === 'skip') {
      expect(pipeline.skippedCount).toBe(1);
      // Nothing reached the dead-letter topic: its end offset is still 0.
      const check = rawKafka().admin();
      await check.connect();
      const offsets = await check.fetchTopicOffsets(`${topic}.DLT`);
      await check.disconnect();
      expect(offsets.map((partition) => partition.high)).toEqual(offsets.map(() => '0'));
    } else {
      expect(pipeline.skippedCount).toBe(0);
      const [deadLetter] = await readKafkaTopic(`${topic}.DLT`, 1);
      expect(deadLetter.value?.equals(unknownBody)).toBe(true);
      expect(deadLetter.headerText('x-dead-letter-reason')).toBe(`Malformed event: unknown event name "meeting_rescheduled" on topic "${topic}"`);
      expect(deadLetter.headerText('x-original-topic')).toBe(topic);
    }
  });
});

describe.each([
  { wireFormat: 'python-cqrs', reader: 'python-cqrs 1.x+' },
  { wireFormat: 'python-cqrs-0.0', reader: 'python-cqrs 0.0.x' },
] as const)('the meeting-rooms relay on Kafka with WIRE_FORMAT=$wireFormat → a $reader consumer', ({ wireFormat }) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    await requireKafka();
    Object.assign(process.env, { PORT: '0', DATABASE_URL: sqliteUrl('rooms'), BROKER_URL, WIRE_FORMAT: wireFormat, RUN_RELAY: 'true', LOG_LEVEL: 'silent' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });

  afterAll(async () => {
    await app?.close();
    restoreEnv();
  });

  it('writes record values in the format python-cqrs reads (it ignores our key and headers)', async () => {
    const [meetingId, roomId] = [unique('standup'), unique('room')];
    expect((await fetch(`${base}/meetings/${meetingId}/participants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ada' }) })).status).toBe(201);
    expect((await fetch(`${base}/rooms/${roomId}/close`, { method: 'POST' })).status).toBe(200);

    const joined = (await findOnTopic(KINDS.notification.topic, `"${meetingId}"`)).value!;
    const closed = (await findOnTopic(KINDS.ecst.topic, `"${roomId}"`)).value!;
    if (wireFormat === 'python-cqrs') {
      expectPythonCqrsBody(joined, { topic: KINDS.notification.topic, eventName: 'user_joined_meeting', payload: { meetingId, userId: 'ada' } });
      expectPythonCqrsBody(closed, { topic: KINDS.ecst.topic, eventName: 'meeting_room_closed', payload: expect.objectContaining({ meetingRoomId: roomId }) });
    } else {
      expectPythonCqrsEnvelope(joined, { messageType: 'notification_event', eventName: 'user_joined_meeting', payload: { meetingId, userId: 'ada' } });
      expectPythonCqrsEnvelope(closed, { messageType: 'ecst_event', eventName: 'meeting_room_closed', payload: expect.objectContaining({ meetingRoomId: roomId }) });
    }
  });
});
