import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryMessageBroker, MESSAGE_BROKER, type BrokerMessage } from 'nestjs-cqrs-broker';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { RoomNotifier } from '../../apps/meeting-rooms/src/meetings/room-notifier.service.js';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';

/** Waits until `find` returns something; the relay publishes after commit, asynchronously. */
async function eventually<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting for a published message');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('meeting-rooms HTTP API (SQLite, in-memory broker)', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  const published: BrokerMessage[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meeting-rooms-e2e-'));
    // The app reads its settings from the environment, as in production; the rest keep their defaults.
    Object.assign(process.env, { LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, BROKER_URL: 'memory://', RUN_RELAY: 'true' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0);
    const { port } = app.getHttpServer().address();
    base = `http://127.0.0.1:${port}`;
    const broker = app.get<InMemoryMessageBroker>(MESSAGE_BROKER);
    for (const topic of ['meeting_notifications', 'meeting_room_notifications']) broker.subscribe(topic, (m) => void published.push(m));
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves once every committed outbox row is published and delivered to the listeners. */
  const drainOutbox = async () => {
    const deadline = Date.now() + 10_000;
    while ((await app.get(OutboxAdmin).stats()).pending > 0) {
      if (Date.now() > deadline) throw new Error('the relay did not drain the outbox');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await app.get<InMemoryMessageBroker>(MESSAGE_BROKER).drain();
  };

  const post = (path: string, body?: unknown) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  it('joins a meeting (201) and reads it back with its participants', async () => {
    expect((await post('/meetings/standup/participants', { userId: 'ada' })).status).toBe(201);
    expect((await post('/meetings/standup/participants', { userId: 'linus' })).status).toBe(201);
    const response = await fetch(`${base}/meetings/standup`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      meetingId: 'standup',
      link: 'https://meet.example.com/standup',
      participants: ['ada', 'linus'],
    });
  });

  it('handles the UserJoined domain event in-process', async () => {
    await post('/meetings/retro/participants', { userId: 'grace' });
    expect(app.get(RoomNotifier).noticesFor('retro')).toEqual(['New user joined: grace']);
  });

  it('publishes a user_joined_meeting notification keyed by meeting through the outbox, once per join', async () => {
    await post('/meetings/planning/participants', { userId: 'alan' });
    await post('/meetings/planning/participants', { userId: 'alan' });
    await eventually(() => published.find((m) => m.eventName === 'user_joined_meeting' && m.key === 'planning'));
    await drainOutbox();
    const joins = published.filter((m) => m.eventName === 'user_joined_meeting' && m.key === 'planning');
    expect(joins).toHaveLength(1);
    expect(JSON.parse(joins[0].body.toString())).toMatchObject({
      event_name: 'user_joined_meeting',
      topic: 'meeting_notifications',
      payload: { meetingId: 'planning', userId: 'alan' },
    });
  });

  it('rejects an invalid body with 400 and every field message, and writes nothing', async () => {
    const response = await post('/meetings/bad/participants', { userId: 42, extra: true });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.message).toEqual(expect.arrayContaining(['property extra should not exist', 'userId must be a string']));
    expect((await fetch(`${base}/meetings/bad`)).status).toBe(404);
    expect(published.some((m) => m.key === 'bad')).toBe(false);
  });

  it('rejects a missing body field with 400', async () => {
    const response = await post('/meetings/bad/participants', {});
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain('userId should not be empty');
  });

  it('rejects a body over the size limit with 413', async () => {
    const response = await post('/meetings/big/participants', { userId: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expect((await fetch(`${base}/meetings/big`)).status).toBe(404);
  });

  it('answers 404 for an unknown meeting', async () => {
    const response = await fetch(`${base}/meetings/does-not-exist`);
    expect(response.status).toBe(404);
    expect((await response.json()).message).toBe('Meeting "does-not-exist" not found');
  });

  it('closes a room (200): the outbox row it writes is published by the relay as meeting_room_closed', async () => {
    const response = await post('/rooms/room-7/close');
    expect(response.status).toBe(200);
    const { roomId, closedAt } = await response.json();
    expect(roomId).toBe('room-7');
    const closed = await eventually(() => published.find((m) => m.eventName === 'meeting_room_closed' && m.key === 'room-7'));
    expect(closed.topic).toBe('meeting_room_notifications');
    expect(JSON.parse(closed.body.toString()).payload).toEqual({ meetingRoomId: 'room-7', closedAt });
    expect(closed.headers['correlation-id']).toBeDefined();
    // Closing again changes nothing and writes no second event.
    expect((await post('/rooms/room-7/close')).status).toBe(200);
    await drainOutbox();
    expect((await app.get(OutboxAdmin).stats()).dead).toBe(0);
    expect(published.filter((m) => m.eventName === 'meeting_room_closed' && m.key === 'room-7')).toHaveLength(1);
  });

  it('runs the notifications consumer in-process on the in-memory broker: GET /notifications shows each event once', async () => {
    await post('/meetings/demo/participants', { userId: 'barbara' });
    await post('/rooms/demo-room/close');
    const deadline = Date.now() + 10_000;
    let notifications: Array<{ kind: string; meetingId: string | null; meetingRoomId: string | null }> = [];
    while (Date.now() < deadline) {
      notifications = ((await (await fetch(`${base}/notifications`)).json()) as typeof notifications).filter(
        (n) => n.meetingId === 'demo' || n.meetingRoomId === 'demo-room',
      );
      if (notifications.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(notifications.map((n) => n.kind).sort()).toEqual(['meeting_room_closed', 'user_joined_meeting']);
  });

  it('serves health and the Swagger UI', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
