import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { InMemoryMessageBroker, MESSAGE_BROKER } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { BrokerHealthIndicator, ConsumerHealthIndicator, OutboxHealthIndicator } from 'nestjs-cqrs-broker/health';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';
import { AMQP_URL, eventually, KAFKA_BROKERS, requireKafka, requireRabbitMq, unique } from '../brokers/support/services.js';
import { Probe, probeEvent, startConsumer } from '../brokers/support/test-events.js';
import { serializer } from '../outbox/harness.js';
import { databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { booked, openOutbox, type TestOutbox } from '../outbox/harness.js';

const run = promisify(execFile);
const rabbitmqctl = async (...args: string[]) => {
  try {
    await run('rabbitmqctl', args);
  } catch (error) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (${(error as Error).message}): these tests need rabbitmqctl on PATH and the right to manage the local node.`);
  }
};

describe('health indicators: the outbox against its thresholds (PostgreSQL)', () => {
  const postgres = databases.find((db) => db.name === 'postgres')!;
  const table = uniqueTable('health_outbox');
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = await openOutbox(postgres, table, { synchronize: true });
  });

  afterAll(async () => {
    if (outbox) {
      await dropTable(outbox.dataSource, table);
      await outbox.close();
    }
  });

  const markDead = async (count: number) => {
    const q = outbox.dataSource.driver.escape(table);
    await outbox.dataSource.query(`UPDATE ${q} SET status = 'dead' WHERE id IN (SELECT id FROM ${q} WHERE status = 'pending' ORDER BY id LIMIT ${count})`);
  };

  it('goes down with reason too-many-dead once dead rows pass maxDead, and terminus reports error; up again after a replay', async () => {
    const indicator = new OutboxHealthIndicator(outbox.admin);
    await outbox.transaction.run(async (tx) => tx.add(booked(1), booked(2), booked(3)));
    expect(await indicator.check('outbox', { maxDead: 1 })).toEqual({ outbox: { status: 'up', pending: 3, dead: 0, oldestPendingAgeMs: expect.any(Number) } });

    await markDead(1);
    expect((await indicator.check('outbox', { maxDead: 1 })).outbox.status).toBe('up'); // 1 dead row: at the threshold, not past it
    await markDead(1);
    expect(await indicator.check('outbox', { maxDead: 1 })).toEqual({
      outbox: { status: 'down', reason: 'too-many-dead', maxDead: 1, pending: 1, dead: 2, oldestPendingAgeMs: expect.any(Number) },
    });
    // Default maxDead is 0: any dead row.
    expect((await indicator.check()).outbox).toMatchObject({ status: 'down', reason: 'too-many-dead' });

    // Through terminus's own HealthCheckService: a down result is a 503 with status error, not an exception from the indicator.
    const moduleRef = await Test.createTestingModule({ imports: [TerminusModule] }).compile();
    const health = moduleRef.get(HealthCheckService);
    const failure = await health.check([() => indicator.check('outbox')]).then(
      () => undefined,
      (error: { getResponse(): unknown }) => error.getResponse(),
    );
    expect(failure).toMatchObject({ status: 'error', error: { outbox: { status: 'down', reason: 'too-many-dead' } } });

    expect(await outbox.admin.replayAllDead()).toBe(2);
    expect((await indicator.check()).outbox).toMatchObject({ status: 'up', dead: 0, pending: 3 });
    await moduleRef.close();
  });

  it('goes down with reason backlog-too-old when the oldest pending event has waited longer than maxOldestPendingAgeMs', async () => {
    const indicator = new OutboxHealthIndicator(outbox.admin);
    const q = outbox.dataSource.driver.escape(table);
    await outbox.dataSource.query(`UPDATE ${q} SET created_at = created_at - interval '10 minutes' WHERE status = 'pending'`);
    const result = await indicator.check('outbox', { maxOldestPendingAgeMs: 60_000 });
    expect(result.outbox).toMatchObject({ status: 'down', reason: 'backlog-too-old', maxOldestPendingAgeMs: 60_000 });
    expect(result.outbox.oldestPendingAgeMs as number).toBeGreaterThan(9 * 60_000);
    expect((await indicator.check('outbox', { maxOldestPendingAgeMs: 60 * 60_000 })).outbox.status).toBe('up');
  });

  it('goes down with reason stats-unavailable (no error text) when the database is gone', async () => {
    const other = await openOutbox(postgres, table);
    const indicator = new OutboxHealthIndicator(other.admin);
    await other.close();
    expect(await indicator.check()).toEqual({ outbox: { status: 'down', reason: 'stats-unavailable' } });
  });

  it('refuses to run without OutboxModule, saying what to import', async () => {
    await expect(new OutboxHealthIndicator(undefined).check()).rejects.toThrow(/needs OutboxAdmin: import OutboxModule/);
    expect(OutboxAdmin).toBeDefined();
  });
});

describe('health indicators: producer and consumer across a RabbitMQ outage (own vhost)', () => {
  const vhost = unique('cqrs-health');
  const user = new URL(AMQP_URL).username || 'guest';
  let url: string;

  beforeAll(async () => {
    await requireRabbitMq();
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
    const parsed = new URL(AMQP_URL);
    parsed.pathname = `/${encodeURIComponent(vhost)}`;
    url = parsed.toString();
  });

  afterAll(async () => {
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
  });

  it('the broker and consumer indicators go down while RabbitMQ refuses the vhost, and up again after; liveness stays up until the consumer closes', async () => {
    const exchange = unique('health');
    const topic = unique('health-topic');
    const broker = new AmqpMessageBroker({ url, exchange, connectionName: 'health-publisher' });
    const consumer = new AmqpEventConsumer({ url, queue: unique('health-queue'), exchange, routingKeys: [topic], connectionName: 'health-consumer' });
    let app: INestMicroservice | undefined;
    const producer = new BrokerHealthIndicator(broker);
    const consumers = new ConsumerHealthIndicator();
    try {
      expect(consumers.isReady('consumer', consumer)).toEqual({ consumer: { status: 'down', consumer: 'not-started' } });
      app = await startConsumer(consumer, new Probe(), { name: 'health-consumer' });
      await eventually(() => producer.check().broker.status === 'up', 'the publisher connected');
      expect(producer.check()).toEqual({ broker: { status: 'up', connection: 'connected' } });
      await eventually(() => consumers.isReady('consumer', consumer).consumer.status === 'up', 'the consumer connected');

      // The broker side: no permission on the vhost (reconnects are refused), then every connection dropped.
      await rabbitmqctl('clear_permissions', '-p', vhost, user);
      await rabbitmqctl('close_all_connections', '--vhost', vhost, 'test: broker-side outage');
      await eventually(() => producer.check().broker.status === 'down', 'the broker indicator went down');
      expect(producer.check()).toEqual({ broker: { status: 'down', connection: 'disconnected' } });
      await eventually(() => consumers.isReady('consumer', consumer).consumer.status === 'down', 'the consumer readiness went down');
      expect(consumers.isReady('consumer', consumer)).toEqual({ consumer: { status: 'down', consumer: 'disconnected' } });
      expect(consumers.isAlive('consumer', consumer)).toEqual({ consumer: { status: 'up', consumer: 'disconnected' } });

      await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
      await eventually(() => producer.check().broker.status === 'up', 'the broker indicator came back up');
      await eventually(() => consumers.isReady('consumer', consumer).consumer.status === 'up', 'the consumer readiness came back up');

      await app.close();
      app = undefined;
      expect(consumers.isAlive('consumer', consumer)).toEqual({ consumer: { status: 'down', consumer: 'closed' } });
      await broker.close();
      expect(producer.check()).toEqual({ broker: { status: 'down', connection: 'closed' } });
    } finally {
      await app?.close();
      await broker.close().catch(() => undefined);
      await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*').catch(() => undefined);
    }
  });

  it('the in-memory broker reports connected until closed; a broker without connectionStatus reports unknown, up', async () => {
    const memory = new InMemoryMessageBroker();
    const indicator = new BrokerHealthIndicator(memory);
    expect(indicator.check()).toEqual({ broker: { status: 'up', connection: 'connected' } });
    await memory.close();
    expect(indicator.check('producer')).toEqual({ producer: { status: 'down', connection: 'closed' } });
    expect(new BrokerHealthIndicator({ publish: async () => undefined }).check()).toEqual({ broker: { status: 'up', connection: 'unknown' } });
    expect(MESSAGE_BROKER).toBeDefined();
  });
});

describe('health indicators: the Kafka producer', () => {
  it('is up while idle, connected after an acknowledged publish, down after a publish fails to reach a broker, closed after close()', async () => {
    await requireKafka();
    const broker = new KafkaMessageBroker({ client: { brokers: [...KAFKA_BROKERS], retry: { retries: 1, initialRetryTime: 100 } }, publishTimeoutMs: 15_000 });
    const indicator = new BrokerHealthIndicator(broker);
    try {
      expect(indicator.check()).toEqual({ broker: { status: 'up', connection: 'idle' } });
      await broker.publish([serializer.toMessage(probeEvent(unique('health-kafka'), { key: 'k', seq: 1 }))]);
      expect(indicator.check()).toEqual({ broker: { status: 'up', connection: 'connected' } });
    } finally {
      await broker.close();
    }
    expect(indicator.check()).toEqual({ broker: { status: 'down', connection: 'closed' } });

    // Nothing listens on this port: the publish fails, and the producer reports disconnected until one succeeds.
    const unreachable = new KafkaMessageBroker({ client: { brokers: ['127.0.0.1:1'], retry: { retries: 0 }, connectionTimeout: 500 }, publishTimeoutMs: 3_000 });
    const down = new BrokerHealthIndicator(unreachable);
    try {
      await expect(unreachable.publish([serializer.toMessage(probeEvent('health-unreachable', { key: 'k', seq: 1 }))])).rejects.toThrow();
      expect(down.check()).toEqual({ broker: { status: 'down', connection: 'disconnected' } });
    } finally {
      await unreachable.close();
    }
  });
});
