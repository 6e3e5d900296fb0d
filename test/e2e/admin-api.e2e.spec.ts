import type { INestApplication } from '@nestjs/common';
import { ConfigurationException, InMemoryMessageBroker, MESSAGE_BROKER } from 'nestjs-cqrs-broker';
import { OutboxAdminModule } from 'nestjs-cqrs-broker/admin';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';
import { DataSource } from 'typeorm';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { e2eDatabases } from './support/e2e-databases.js';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const HEALTH_TOKEN = 'e2e-health-token-0123456789';

async function startApp(env: Record<string, string>): Promise<{ app: INestApplication; base: string }> {
  Object.assign(process.env, { LOG_LEVEL: 'silent', BROKER_URL: 'memory://', RUN_RELAY: 'false', NODE_ENV: 'test', API_DOCS: '', HEALTH_TOKEN, ...env });
  const app = await createMeetingRoomsApp();
  await app.init();
  await app.listen(0);
  return { app, base: `http://127.0.0.1:${app.getHttpServer().address().port}` };
}

describe('sample outbox admin API under /admin (ADMIN_TOKEN set, SQLite)', () => {
  const database = e2eDatabases().find((db) => db.name === 'sqlite')!;
  let app: INestApplication;
  let base: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    const url = await database.create();
    ({ app, base } = await startApp({ DATABASE_URL: url, ADMIN_TOKEN }));
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.ADMIN_TOKEN;
    await database.drop();
  });

  it('answers 401 without a bearer token and 403 with a wrong one, on every route, and changes nothing', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/admin/outbox/stats'],
      ['GET', '/admin/outbox/dead'],
      ['POST', '/admin/outbox/dead/replay'],
      ['POST', '/admin/outbox/dead/x/replay'],
      ['DELETE', '/admin/outbox/published'],
    ];
    for (const [method, path] of routes) {
      expect((await fetch(base + path, { method })).status, `${method} ${path} without a token`).toBe(401);
      expect((await fetch(base + path, { method, headers: bearer(`${ADMIN_TOKEN}x`) })).status, `${method} ${path} with a wrong token`).toBe(403);
      expect((await fetch(base + path, { method, headers: bearer(HEALTH_TOKEN) })).status, `${method} ${path} with the health token`).toBe(403);
    }
    const body = await (await fetch(`${base}/admin/outbox/stats`, { headers: bearer('wrong') })).text();
    expect(body).not.toContain(ADMIN_TOKEN);
  });

  it('with the token: stats, dead rows paged, replay one, replay all, purge', async () => {
    const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const user of ['ada', 'linus', 'grace']) expect((await post(`/meetings/admin-${user}/participants`, { userId: user })).status).toBe(201);
    const dataSource = app.get(DataSource);
    // The relay is off (RUN_RELAY=false): make the rows dead as a relay that gave up would.
    await dataSource.query(`UPDATE outbox SET status = 'dead', attempts = 5, last_error = 'broker said no'`);
    const dead = (await app.get(OutboxAdmin).stats()).dead;
    expect(dead).toBeGreaterThanOrEqual(3);

    const get = (path: string) => fetch(base + path, { headers: bearer(ADMIN_TOKEN) });
    const stats = await get('/admin/outbox/stats');
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ pending: 0, dead, published: 0 });

    const first = await (await get('/admin/outbox/dead?limit=2')).json();
    expect(first.rows).toHaveLength(2);
    expect(first.rows[0]).toMatchObject({ attempts: 5, lastError: 'broker said no' });
    expect(first.next).toBe(first.rows[1].id);
    const rest = await (await get(`/admin/outbox/dead?limit=100&after=${first.next}`)).json();
    expect(rest.rows).toHaveLength(dead - 2);
    expect(rest.next).toBeNull();
    expect((await get('/admin/outbox/dead?limit=0')).status).toBe(400);

    const replayOne = await fetch(`${base}/admin/outbox/dead/${first.rows[0].eventId}/replay`, { method: 'POST', headers: bearer(ADMIN_TOKEN) });
    expect(replayOne.status).toBe(200);
    expect(await replayOne.json()).toEqual({ replayed: 1 });
    expect((await fetch(`${base}/admin/outbox/dead/${first.rows[0].eventId}/replay`, { method: 'POST', headers: bearer(ADMIN_TOKEN) })).status).toBe(404);
    expect(await app.get(OutboxAdmin).stats()).toMatchObject({ pending: 1, dead: dead - 1 });

    const replayAll = await fetch(`${base}/admin/outbox/dead/replay`, { method: 'POST', headers: bearer(ADMIN_TOKEN) });
    expect(await replayAll.json()).toEqual({ replayed: dead - 1 });
    expect(await app.get(OutboxAdmin).stats()).toMatchObject({ pending: dead, dead: 0 });

    await dataSource.query(`UPDATE outbox SET status = 'published', published_at = created_at`);
    const purge = await fetch(`${base}/admin/outbox/published?olderThanMs=0`, { method: 'DELETE', headers: bearer(ADMIN_TOKEN) });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toEqual({ purged: dead });
    expect(await app.get(OutboxAdmin).stats()).toMatchObject({ pending: 0, published: 0, dead: 0 });
  });

  it('/health/live and /health/ready answer ok with the per-check status for the HEALTH_TOKEN only, never details', async () => {
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/health/ready`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/health/ready`, { headers: bearer(HEALTH_TOKEN) });
    expect(await ready.json()).toEqual({ status: 'ok', details: { database: { status: 'up' }, broker: { status: 'up' }, outbox: { status: 'up' } } });
  });

  it('/health/ready answers 503 with only statuses when the outbox has a dead row, and when the broker is closed', async () => {
    const dataSource = app.get(DataSource);
    expect((await fetch(`${base}/meetings/admin-alan/participants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"alan"}' })).status).toBe(201);
    await dataSource.query(`UPDATE outbox SET status = 'dead', last_error = 'secret-ish detail'`);
    const ready = await fetch(`${base}/health/ready`, { headers: bearer(HEALTH_TOKEN) });
    expect(ready.status).toBe(503);
    const text = await ready.text();
    expect(JSON.parse(text)).toEqual({ status: 'error', details: { database: { status: 'up' }, broker: { status: 'up' }, outbox: { status: 'down' } } });
    expect(text).not.toMatch(/too-many-dead|secret-ish/);
    await app.get(OutboxAdmin).replayAllDead();

    await app.get<InMemoryMessageBroker>(MESSAGE_BROKER).close();
    const closed = await fetch(`${base}/health/ready`, { headers: bearer(HEALTH_TOKEN) });
    expect(closed.status).toBe(503);
    expect((await closed.json()).details.broker).toEqual({ status: 'down' });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});

describe('sample outbox admin API without ADMIN_TOKEN', () => {
  const database = e2eDatabases().find((db) => db.name === 'sqlite')!;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    delete process.env.ADMIN_TOKEN;
    ({ app, base } = await startApp({ DATABASE_URL: await database.create() }));
  });

  afterAll(async () => {
    await app?.close();
    await database.drop();
  });

  it('is not mounted: 404 whatever the token', async () => {
    expect((await fetch(`${base}/admin/outbox/stats`)).status).toBe(404);
    expect((await fetch(`${base}/admin/outbox/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});

describe('OutboxAdminModule.register', () => {
  it('refuses to mount without guards, saying what to pass; mounts with unsafeNoGuard: true', () => {
    expect(() => OutboxAdminModule.register({})).toThrow(ConfigurationException);
    expect(() => OutboxAdminModule.register({ guards: [] })).toThrow(/needs guards: pass guards: \[YourAuthGuard\].*or unsafeNoGuard: true/);
    expect(OutboxAdminModule.register({ unsafeNoGuard: true }).controllers).toHaveLength(1);
  });
});
