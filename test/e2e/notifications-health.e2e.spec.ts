import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { createMeetingNotificationsApp } from '../../apps/meeting-notifications/src/app.factory.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from '../brokers/support/services.js';
import { e2eDatabases } from './support/e2e-databases.js';

const run = promisify(execFile);
const rabbitmqctl = async (...args: string[]) => {
  try {
    await run('rabbitmqctl', args);
  } catch (error) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (${(error as Error).message}): these tests need rabbitmqctl on PATH and the right to manage the local node.`);
  }
};
const HEALTH_TOKEN = 'e2e-health-token-0123456789';

// The notifications sample on RabbitMQ, on a virtual host of its own whose connections the test drops.
describe('meeting-notifications /health/live and /health/ready across a RabbitMQ outage', () => {
  const database = e2eDatabases().find((db) => db.name === 'sqlite')!;
  const vhost = unique('cqrs-notifications-health');
  const user = new URL(AMQP_URL).username || 'guest';
  let app: INestApplication | undefined;
  let base: string;

  beforeAll(async () => {
    await requireRabbitMq();
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
    const url = new URL(AMQP_URL);
    url.pathname = `/${encodeURIComponent(vhost)}`;
    Object.assign(process.env, {
      LOG_LEVEL: 'silent',
      DATABASE_URL: await database.create(),
      BROKER_URL: url.toString(),
      CONSUMER_GROUP: unique('notifications-health'),
      NODE_ENV: 'test',
      HEALTH_TOKEN,
    });
    app = await createMeetingNotificationsApp();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });

  afterAll(async () => {
    await app?.close();
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
    await database.drop();
    delete process.env.CONSUMER_GROUP;
  });

  const ready = async () => {
    const response = await fetch(`${base}/health/ready`, { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });
    return { status: response.status, body: await response.json() };
  };

  it('ready goes 503 (consumer down) while RabbitMQ refuses the vhost and back to 200 after; live stays 200; no error text in bodies', async () => {
    await eventually(async () => (await ready()).status === 200, 'the consumer is ready');
    expect(await ready()).toEqual({ status: 200, body: { status: 'ok', details: { database: { status: 'up' }, consumer: { status: 'up' } } } });

    await rabbitmqctl('clear_permissions', '-p', vhost, user);
    await rabbitmqctl('close_all_connections', '--vhost', vhost, 'test: broker-side outage');
    try {
      await eventually(async () => (await ready()).status === 503, 'readiness went down');
      expect(await ready()).toEqual({ status: 503, body: { status: 'error', details: { database: { status: 'up' }, consumer: { status: 'down' } } } });
      const anonymous = await fetch(`${base}/health/ready`);
      expect(await anonymous.json()).toEqual({ status: 'error' });
      const live = await fetch(`${base}/health/live`);
      expect(live.status).toBe(200);
    } finally {
      await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
    }
    await eventually(async () => (await ready()).status === 200, 'readiness came back');
  });
});
