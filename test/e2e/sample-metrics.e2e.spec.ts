// GET /metrics on the samples: the library's metrics on each app's own prom-client registry, after known traffic.
import type { INestApplication } from '@nestjs/common';
import { deliver } from 'nestjs-cqrs-broker/testing';
import { createMeetingNotificationsApp } from '../../apps/meeting-notifications/src/app.factory.js';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { UserJoinedMeeting } from '../../apps/shared/src/notifications/events/user-joined-meeting.event.js';
import { MEETING_NOTIFICATIONS_CONSUMER } from '../../apps/shared/src/notifications/meeting-notifications.module.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from '../brokers/support/services.js';
import { e2eDatabases } from './support/e2e-databases.js';

/** The value of one sample line `<name>{<labels>} <value>` of a Prometheus text page, or undefined. */
const sample = (page: string, series: string): number | undefined => {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics on the meeting-rooms sample (SQLite, in-memory broker, relay and consumer in the process)', () => {
  const database = e2eDatabases().find((db) => db.name === 'sqlite')!;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    Object.assign(process.env, { LOG_LEVEL: 'silent', BROKER_URL: 'memory://', RUN_RELAY: 'true', NODE_ENV: 'test', API_DOCS: '', DATABASE_URL: await database.create() });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database.drop();
  });

  it('counts the requests, outbox writes, relay publishes and consumed messages of three joins, and shows the outbox gauges', async () => {
    for (const user of ['ada', 'linus', 'grace']) {
      const response = await fetch(`${base}/meetings/metrics-room/participants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user }) });
      expect(response.status).toBe(201);
    }
    let page = '';
    await eventually(async () => {
      page = await (await fetch(`${base}/metrics`)).text();
      return sample(page, `cqrs_broker_consumer_messages_total{consumer="${MEETING_NOTIFICATIONS_CONSUMER}",outcome="handled"}`) === 3;
    }, 'the three events consumed');
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(sample(page, 'cqrs_broker_requests_total{request="JoinMeetingCommand",outcome="success"}')).toBe(3);
    expect(sample(page, 'cqrs_broker_request_duration_seconds_count{request="JoinMeetingCommand"}')).toBe(3);
    expect(sample(page, 'cqrs_broker_outbox_written_total')).toBe(3);
    expect(sample(page, 'cqrs_broker_relay_published_total{topic="meeting_notifications"}')).toBe(3);
    expect(sample(page, 'cqrs_broker_outbox_dead')).toBe(0);
    expect(page).toContain('# TYPE cqrs_broker_outbox_pending gauge');
    expect(page).toContain('# TYPE cqrs_broker_outbox_oldest_pending_age_seconds gauge');
    expect(page).toContain('process_cpu_seconds_total');
  });
});

describe('GET /metrics on the meeting-notifications sample (RabbitMQ, SQLite)', () => {
  const database = e2eDatabases().find((db) => db.name === 'sqlite')!;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    await requireRabbitMq();
    Object.assign(process.env, { LOG_LEVEL: 'silent', DATABASE_URL: await database.create(), BROKER_URL: AMQP_URL, CONSUMER_GROUP: unique('notifications-metrics'), NODE_ENV: 'test' });
    app = await createMeetingNotificationsApp();
    await app.init();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database.drop();
    delete process.env.CONSUMER_GROUP;
  });

  it('counts a message handled and its redelivery as a duplicate (the inbox had it)', async () => {
    const event = new UserJoinedMeeting({ payload: { meetingId: unique('m'), userId: 'ada' }, key: 'm' });
    const outcomes = await deliver(app, event, { times: 2 });
    expect(outcomes.map((o) => o.status)).toEqual(['handled', 'handled']);
    const page = await (await fetch(`${base}/metrics`)).text();
    expect(sample(page, `cqrs_broker_consumer_messages_total{consumer="${MEETING_NOTIFICATIONS_CONSUMER}",outcome="handled"}`)).toBe(1);
    expect(sample(page, `cqrs_broker_consumer_messages_total{consumer="${MEETING_NOTIFICATIONS_CONSUMER}",outcome="duplicate"}`)).toBe(1);
    expect(sample(page, 'cqrs_broker_events_handled_total{event="UserJoinedMeeting",outcome="success"}')).toBe(2);
  });
});
