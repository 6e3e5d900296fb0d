import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { EventSerializer, IntegrationEventRegistry, type MessageBroker } from 'nestjs-cqrs-broker';
import { createMeetingNotificationsApp } from '../../apps/meeting-notifications/src/app.factory.js';
import { createMessageBroker } from '../../apps/shared/src/broker.factory.js';
import { MeetingRoomClosed } from '../../apps/shared/src/notifications/events/meeting-room-closed.event.js';
import { UserJoinedMeeting } from '../../apps/shared/src/notifications/events/user-joined-meeting.event.js';
import { AMQP_URL, eventually, KAFKA_BROKERS, requireKafka, requireRabbitMq, unique } from './support/services.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());

const brokers = [
  { name: 'RabbitMQ', url: AMQP_URL, require: requireRabbitMq },
  { name: 'Kafka', url: `kafka://${KAFKA_BROKERS.join(',')}`, require: requireKafka },
];

describe.each(brokers)('meeting-notifications service on $name', ({ url, require }) => {
  let app: INestApplication;
  let producer: MessageBroker;

  beforeAll(async () => {
    await require();
    const database = join(mkdtempSync(join(tmpdir(), 'notifications-')), 'notifications.sqlite');
    // The app reads its settings from the environment, as in production.
    Object.assign(process.env, { PORT: '0', DATABASE_URL: `sqlite:${database}`, BROKER_URL: url, CONSUMER_GROUP: unique('notifications-test') });
    app = await createMeetingNotificationsApp();
    await app.init();
    await app.startAllMicroservices();
    producer = createMessageBroker(url);
  });

  afterAll(async () => {
    await app?.close();
    await producer?.close?.();
  });

  it('stores one notification per event, even when an event is delivered twice, and serves them at GET /notifications', async () => {
    const meetingId = unique('meeting');
    const joined = serializer.toMessage(new UserJoinedMeeting({ payload: { meetingId, userId: 'ada' }, key: meetingId }));
    const closed = serializer.toMessage(new MeetingRoomClosed({ payload: { meetingRoomId: unique('room') } }));
    await producer.publish([joined]);
    await producer.publish([joined, closed]);

    const ours = async () => {
      const response = await request(app.getHttpServer()).get('/notifications').expect(200);
      return (response.body as Array<{ eventId: string; message: string }>).filter((n) => n.eventId === joined.eventId || n.eventId === closed.eventId);
    };
    await eventually(async () => (await ours()).length >= 2, 'both notifications are listed');
    const listed = await ours();
    expect(listed.map((n) => n.eventId).sort()).toEqual([joined.eventId, closed.eventId].sort());
    expect(listed.find((n) => n.eventId === joined.eventId)?.message).toBe(`User ada joined meeting ${meetingId}`);
  });
});
