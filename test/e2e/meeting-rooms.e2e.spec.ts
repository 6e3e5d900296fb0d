import type { INestApplication } from '@nestjs/common';
import { InMemoryMessageBroker, MESSAGE_BROKER, type BrokerMessage } from 'nestjs-cqrs-broker';
import { DataSource } from 'typeorm';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { RoomNotifier } from '../../apps/meeting-rooms/src/meetings/room-notifier.service.js';
import { Notification } from '../../apps/shared/src/notifications/notification.entity.js';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';
import { e2eDatabases, type AdminConnection, type E2eDatabase } from './support/e2e-databases.js';

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

/** Polls an async condition (a lock wait to appear, say). */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const HEALTH_TOKEN = 'e2e-health-token-0123456789';

/** The tables a command writes (the consumer's notifications and inbox are written asynchronously and left out). */
const COMMAND_TABLES = ['meetings', 'meeting_participants', 'meeting_rooms', 'outbox'];

describe.each(e2eDatabases())('meeting-rooms HTTP API ($name, in-memory broker)', (database: E2eDatabase) => {
  let app: INestApplication;
  let base: string;
  const published: BrokerMessage[] = [];

  beforeAll(async () => {
    const url = await database.create();
    // The app reads its settings from the environment, as in production; the rest keep their defaults.
    Object.assign(process.env, {
      LOG_LEVEL: 'silent',
      DATABASE_URL: url,
      BROKER_URL: 'memory://',
      RUN_RELAY: 'true',
      NODE_ENV: 'test',
      API_DOCS: '',
      HEALTH_TOKEN,
    });
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
    await database.drop();
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

  /** POSTs a body as given (raw JSON text, or any bytes), with its content type. */
  const postRaw = (path: string, body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json') =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': contentType }, body });

  /** Row counts of the tables commands write. */
  const counts = async (): Promise<Record<string, number>> => {
    const dataSource = app.get(DataSource);
    const result: Record<string, number> = {};
    for (const table of COMMAND_TABLES) {
      const [row] = await dataSource.query(`SELECT COUNT(*) AS n FROM ${dataSource.driver.escape(table)}`);
      result[table] = Number(row.n);
    }
    return result;
  };

  /** Sends `request`, expects `status` with a message containing `message`, and that no table a command writes changed. */
  const expectRefused = async (request: () => Promise<Response>, status: number, message?: string) => {
    const before = await counts();
    const response = await request();
    const body = await response.json();
    expect({ status: response.status, body }).toMatchObject({ status });
    if (message !== undefined) expect([body.message].flat().join('\n')).toContain(message);
    expect(await counts()).toEqual(before);
    return body;
  };

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

  describe('the HTTP edge: bad input is a 4xx that writes nothing', () => {
    it('refuses NUL and other control characters in path ids and body strings with 400', async () => {
      await expectRefused(() => post('/meetings/a%00b/participants', { userId: 'ada' }), 400, 'meetingId must not contain control characters');
      await expectRefused(() => post('/meetings/nul-body/participants', { userId: 'ada\u0000' }), 400, 'userId must not contain control characters');
      await expectRefused(() => post('/meetings/bell/participants', { userId: 'a\u0007b' }), 400, 'userId must not contain control characters');
      await expectRefused(() => post('/rooms/r%00/close'), 400, 'roomId must not contain control characters');
      await expectRefused(() => fetch(`${base}/meetings/m%1b`), 400, 'meetingId must not contain control characters');
      await expectRefused(() => postRaw('/meetings/surrogate/participants', '{"userId":"a\\ud800b"}'), 400, 'userId must be well-formed Unicode');
      expect((await fetch(`${base}/meetings/nul-body`)).status).toBe(404);
    });

    it('refuses JSON nested deeper than 32 levels with 400 before class-transformer runs (no 500)', async () => {
      const deepObject = `{"userId":"ada","x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
      const deepArray = `{"userId":"ada","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      expect(deepObject.length).toBeLessThan(64 * 1024);
      expect(deepArray.length).toBeLessThan(64 * 1024);
      await expectRefused(() => postRaw('/meetings/deep/participants', deepObject), 400, 'is nested deeper than 32 levels');
      await expectRefused(() => postRaw('/meetings/deep/participants', deepArray), 400, 'is nested deeper than 32 levels');
      await expectRefused(() => postRaw('/rooms/deep/close', deepObject), 400, 'is nested deeper than 32 levels');
    });

    it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'])(
      'refuses the reserved key %s in a body, at the top or nested, with 400',
      async (key) => {
        await expectRefused(() => postRaw('/meetings/reserved/participants', `{"userId":"ada","${key}":{"x":1}}`), 400, `property ${key} should not exist`);
        await expectRefused(() => postRaw('/meetings/reserved/participants', `{"userId":"ada","extra":{"${key}":1}}`), 400, `property extra.${key} should not exist`);
        await expectRefused(() => postRaw('/rooms/reserved/close', `{"${key}":1}`), 400, `property ${key} should not exist`);
      },
    );

    it('refuses blank and whitespace-only ids with 400, and a blank room is not closed', async () => {
      await expectRefused(() => post('/rooms/%20/close'), 400, 'roomId must not be blank');
      await expectRefused(() => post('/rooms/%20%09%20/close'), 400, 'roomId must not be blank');
      await expectRefused(() => post('/meetings/%20%20/participants', { userId: 'ada' }), 400, 'meetingId must not be blank');
      await expectRefused(() => post('/meetings/blank-user/participants', { userId: '   ' }), 400, 'userId must not be blank');
      await expectRefused(() => fetch(`${base}/meetings/%20`), 400, 'meetingId must not be blank');
      expect(published.some((m) => m.key?.trim() === '')).toBe(false);
    });

    it('refuses unknown body fields on the close route with 400 (no body, or {}, still closes)', async () => {
      await expectRefused(() => post('/rooms/room-extra/close', { force: true }), 400, 'property force should not exist');
      await expectRefused(() => post('/rooms/room-extra/close', ['x']), 400, 'this route takes no body');
      expect((await post('/rooms/room-extra/close', {})).status).toBe(200);
    });

    it('answers 413 for any body over 64 kB whatever its content type, and 415 for a body that is not JSON', async () => {
      const twentyMegabytes = new Uint8Array(20 * 1024 * 1024).fill(97);
      await expectRefused(() => postRaw('/meetings/big-text/participants', twentyMegabytes, 'text/plain'), 413, 'must not be larger than 65536 bytes');
      await expectRefused(() => postRaw('/meetings/big-bin/participants', twentyMegabytes, 'application/octet-stream'), 413);
      await expectRefused(() => postRaw('/rooms/big-room/close', twentyMegabytes, 'text/plain'), 413);
      await expectRefused(() => postRaw('/meetings/big-json/participants', JSON.stringify({ userId: 'u'.repeat(70 * 1024) })), 413);
      await expectRefused(() => postRaw('/meetings/text/participants', 'userId=ada', 'text/plain'), 415, 'the body must be JSON');
      await expectRefused(() => postRaw('/meetings/broken/participants', '{"userId": "ada"'), 400);
    });

    it('answers 400 for bad query numbers and unknown query parameters on GET /notifications', async () => {
      for (const query of ['limit=abc', 'limit=', 'limit=0', 'limit=-1', 'limit=1.5', 'limit=1001', 'limit=1&limit=2', 'after=not-a-uuid', 'page=2', '__proto__=1']) {
        const response = await fetch(`${base}/notifications?${query}`);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
      }
      const unknownCursor = await fetch(`${base}/notifications?after=00000000-0000-4000-8000-000000000000`);
      expect(unknownCursor.status).toBe(400);
      expect((await unknownCursor.json()).message).toEqual(['after: no notification with id 00000000-0000-4000-8000-000000000000']);
    });

    it('pages GET /notifications past 1,000 rows with a Link cursor: every row once, newest first', async () => {
      const occurredAt = new Date('2001-01-01T00:00:00.000Z');
      const rows = Array.from({ length: 1005 }, (_, i) => ({
        id: crypto.randomUUID(),
        eventId: `paging-${i}`,
        kind: 'paging',
        message: `row ${i}`,
        meetingId: null,
        meetingRoomId: null,
        userId: null,
        // Many rows share a timestamp: the cursor must break ties by id.
        occurredAt: new Date(occurredAt.getTime() + (i % 3) * 1000),
      }));
      const repository = app.get(DataSource).getRepository(Notification);
      for (let i = 0; i < rows.length; i += 200) await repository.insert(rows.slice(i, i + 200));
      const total = await repository.count();

      const seen: Array<{ id: string }> = [];
      let next: string | undefined = '/notifications?limit=1000';
      const pageSizes: number[] = [];
      while (next) {
        const response: Response = await fetch(base + next);
        expect(response.status).toBe(200);
        const page = (await response.json()) as Array<{ id: string }>;
        pageSizes.push(page.length);
        seen.push(...page);
        next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1];
      }
      expect(pageSizes[0]).toBe(1000);
      expect(seen).toHaveLength(total);
      expect(new Set(seen.map((n) => n.id)).size).toBe(total);
      // Small pages walk the same order as one big page.
      const small: string[] = [];
      next = '/notifications?limit=7';
      while (next && small.length < 50) {
        const response: Response = await fetch(base + next);
        small.push(...((await response.json()) as Array<{ id: string }>).map((n) => n.id));
        next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get('link') ?? '')?.[1];
      }
      expect(small).toEqual(seen.slice(0, small.length).map((n) => n.id));
    });

    it('documents every response in Swagger: the 201 body schema, 400, 404, 413 and 415', async () => {
      const document = await (await fetch(`${base}/docs-json`)).json();
      const join = document.paths['/meetings/{meetingId}/participants'].post.responses;
      expect(join['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/JoinedResponse' });
      expect(Object.keys(join)).toEqual(expect.arrayContaining(['201', '400', '413', '415']));
      expect(Object.keys(document.paths['/meetings/{meetingId}'].get.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(Object.keys(document.paths['/rooms/{roomId}/close'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
      expect(Object.keys(document.paths['/notifications'].get.responses)).toEqual(expect.arrayContaining(['200', '400']));
      expect(Object.keys(document.paths['/health'].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
      expect(document.components.schemas.ErrorResponse.required).toEqual(expect.arrayContaining(['statusCode', 'message']));
    });

    it('shows /health details only to a caller with the bearer token, and never an error message', async () => {
      const anonymous = await fetch(`${base}/health`);
      expect(anonymous.status).toBe(200);
      expect(await anonymous.json()).toEqual({ status: 'ok' });
      const wrong = await fetch(`${base}/health`, { headers: { authorization: 'Bearer not-the-token' } });
      expect(await wrong.json()).toEqual({ status: 'ok' });
      const authorized = await fetch(`${base}/health`, { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });
      expect(await authorized.json()).toEqual({ status: 'ok', details: { database: { status: 'up' } } });
    });
  });

  // Networked databases only: an embedded SQLite has no server to kill its connections.
  if (database.admin) describe('a pooled connection killed mid-request', () => {
    let admin: AdminConnection;
    const postgres = database.name === 'postgres';
    const lock = (table: string) => (postgres ? ['BEGIN', `LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`] : [`LOCK TABLES ${table} WRITE`]);
    const unlock = () => (postgres ? ['COMMIT'] : ['UNLOCK TABLES']);
    /** The app's connections waiting on our lock. */
    const waiting = async () =>
      postgres
        ? // pg_stat_activity is read once per transaction, and ours holds the lock: drop the snapshot first.
          (await admin.query('SELECT pg_stat_clear_snapshot()'), admin.query(`SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`))
        : admin.query(`SELECT id FROM information_schema.PROCESSLIST WHERE db = DATABASE() AND id <> CONNECTION_ID() AND state LIKE 'Waiting for table%'`);
    const kill = async (id: unknown) => (postgres ? admin.query(`SELECT pg_terminate_backend(${Number(id)})`) : admin.query(`KILL ${Number(id)}`));

    beforeAll(async () => {
      admin = await database.admin!();
    });
    afterAll(async () => {
      await admin?.close();
    });

    it('retries a query once on a fresh connection: the read gets 200', async () => {
      expect((await post('/meetings/stale-read/participants', { userId: 'ada' })).status).toBe(201);
      for (const sql of lock('meetings')) await admin.query(sql);
      let killed: unknown;
      const response = fetch(`${base}/meetings/stale-read`);
      try {
        await until(async () => (await waiting()).length === 1, 'the read to wait on the lock');
        killed = (await waiting())[0].id;
        await kill(killed);
        // The retry waits on the lock again, on another connection.
        await until(async () => (await waiting()).some((row) => row.id !== killed), 'the retried read');
      } finally {
        for (const sql of unlock()) await admin.query(sql);
      }
      const answered = await response;
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({ meetingId: 'stale-read', link: 'https://meet.example.com/stale-read', participants: ['ada'] });
    });

    it('never retries a command: it gets 503 and writes nothing', async () => {
      const before = await counts();
      for (const sql of lock('meeting_rooms')) await admin.query(sql);
      const response = post('/rooms/stale-room/close');
      try {
        await until(async () => (await waiting()).length === 1, 'the command to wait on the lock');
        await kill((await waiting())[0].id);
        const answered = await response;
        expect(answered.status).toBe(503);
        expect(await answered.json()).toEqual({ statusCode: 503, message: 'The database is unavailable; try again.' });
        expect(await waiting()).toEqual([]);
      } finally {
        for (const sql of unlock()) await admin.query(sql);
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('with NODE_ENV=production', () => {
    let production: INestApplication;
    let productionBase: string;
    let output: string[];
    const writes: Array<{ mockRestore(): void }> = [];

    beforeAll(async () => {
      output = [];
      for (const stream of [process.stdout, process.stderr]) {
        writes.push(
          vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
            output.push(String(chunk));
            return true;
          }),
        );
      }
      // LOG_LEVEL and API_DOCS unset: their production defaults.
      Object.assign(process.env, { NODE_ENV: 'production', LOG_LEVEL: '', API_DOCS: '', RUN_RELAY: 'false' });
      production = await createMeetingRoomsApp();
      await production.init();
      await production.startAllMicroservices();
      await production.listen(0);
      productionBase = `http://127.0.0.1:${production.getHttpServer().address().port}`;
    });

    afterAll(async () => {
      // The main app's relay publishes this app's joins: let it finish before the pools close.
      await drainOutbox();
      await production?.close();
      for (const write of writes) write.mockRestore();
      Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    });

    it('hides the Swagger UI and drops X-Powered-By', async () => {
      expect((await fetch(`${productionBase}/docs`)).status).toBe(404);
      expect((await fetch(`${productionBase}/docs-json`)).status).toBe(404);
      const health = await fetch(`${productionBase}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get('x-powered-by')).toBeNull();
    });

    it('logs at log level: no DEBUG line per request', async () => {
      output.length = 0;
      expect((await fetch(`${productionBase}/meetings/standup`)).status).toBe(200);
      expect((await postRaw(`/meetings/prod-log/participants`, JSON.stringify({ userId: 'ada' }))).status).toBe(201);
      expect(output.join('')).not.toMatch(/DEBUG|VERBOSE/);
      // The log is on: a warning still shows.
      expect((await fetch(`${productionBase}/meetings/prod-missing`)).status).toBe(404);
      expect(output.join('')).toContain('WARN');
    });

    it('never logs SQL parameter values: a failed query is logged as its SQL text and code', async () => {
      output.length = 0;
      const dataSource = production.get(DataSource);
      const parameter = dataSource.driver.createParameter('p', 0);
      await expect(dataSource.query(`SELECT * FROM meetings WHERE no_such_column = ${parameter}`, ['secret-parameter-value'])).rejects.toThrow();
      const logged = output.join('');
      expect(logged).toContain('no_such_column');
      expect(logged).not.toContain('secret-parameter-value');
    });
  });
});
