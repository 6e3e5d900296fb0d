import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { INestMicroservice } from '@nestjs/common';
import amqplib from 'amqplib';
import { EventSerializer, IntegrationEventRegistry, type BrokerMessage } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { readQueue } from './support/amqp-raw.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const run = promisify(execFile);
const rabbitmqctl = async (...args: string[]) => {
  try {
    await run('rabbitmqctl', args);
  } catch (error) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed (${(error as Error).message}): these tests need rabbitmqctl on PATH and the right to manage the local node.`);
  }
};
const serializer = new EventSerializer(new IntegrationEventRegistry());

// A virtual host of its own, so dropping its connections leaves the other test files' connections alone.
describe('RabbitMQ across a connection drop', () => {
  const vhost = unique('cqrs-outage');
  const exchange = unique('outage');
  let url: string;
  const dropConnections = () => rabbitmqctl('close_all_connections', '--vhost', vhost, 'test: broker-side connection drop');

  beforeAll(async () => {
    await requireRabbitMq();
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, new URL(AMQP_URL).username || 'guest', '.*', '.*', '.*');
    const parsed = new URL(AMQP_URL);
    parsed.pathname = `/${encodeURIComponent(vhost)}`;
    url = parsed.toString();
  });

  afterAll(async () => {
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
  });

  it('recovers publishing: a publish during the drop rejects or waits within the bound, later ones succeed, and every confirmed message is in the queue', async () => {
    const topic = unique('outage-topic');
    const queue = unique('outage-queue');
    const setup = await amqplib.connect(url);
    const channel = await setup.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, topic);
    await setup.close();

    const broker = new AmqpMessageBroker({ url, exchange, publishTimeoutMs: 5_000, connectionName: 'outage-publisher' });
    try {
      const batch = (n: number): BrokerMessage[] => Array.from({ length: 10 }, (_, i) => serializer.toMessage(probeEvent(topic, { key: 'k', seq: n * 10 + i })));
      const confirmed: BrokerMessage[] = [];
      const rejected: string[] = [];
      const before = batch(0);
      await broker.publish(before);
      confirmed.push(...before);

      // Batches in flight while the broker drops the connection.
      const inFlight: Promise<void>[] = [];
      for (let n = 1; n <= 20; n++) {
        const messages = batch(n);
        inFlight.push(broker.publish(messages).then(() => void confirmed.push(...messages), (error: Error) => void rejected.push(error.message)));
        if (n === 5) await dropConnections();
      }
      await Promise.all(inFlight); // each settles: confirmed, or rejected within the bound

      const after = batch(99);
      await broker.publish(after);
      confirmed.push(...after);

      const stored = await readQueue(queue, confirmed.length, url);
      const storedIds = new Set(stored.map((message) => message.properties.messageId));
      expect(confirmed.filter((message) => !storedIds.has(message.eventId))).toEqual([]);
      for (const reason of rejected) expect(reason).toMatch(/timeout|closed|connection|channel/i);
    } finally {
      await broker.close();
    }
  });

  it('rejects a publish the broker cannot confirm once the bound has passed, so the relay retries it instead of marking it published', async () => {
    // Port 1 never answers: the connection manager keeps retrying, the publish waits in its queue until the bound.
    const broker = new AmqpMessageBroker({ url: 'amqp://guest:guest@127.0.0.1:1', exchange, publishTimeoutMs: 300 });
    try {
      await expect(broker.publish([serializer.toMessage(probeEvent(unique('nowhere'), { key: 'k', seq: 0 }))])).rejects.toThrow(/timeout/);
    } finally {
      await broker.close();
    }
  });

  it('keeps consuming after the connection drops: events published after the drop are handled too', async () => {
    const topic = unique('outage-consume');
    const queue = unique('outage-consumer');
    const broker = new AmqpMessageBroker({ url, exchange, publishTimeoutMs: 10_000 });
    const probe = new Probe();
    let app: INestMicroservice | undefined;
    try {
      app = await startConsumer(new AmqpEventConsumer({ url, queue, exchange, routingKeys: [topic] }), probe, { name: 'outage-consumer' });
      const before = [0, 1, 2, 3, 4].map((seq) => probeEvent(topic, { key: 'k', seq }));
      await broker.publish(before.map((event) => serializer.toMessage(event)));
      await eventually(() => probe.handled.length >= 5, 'the events before the drop were handled');

      await dropConnections();
      const after = [5, 6, 7, 8, 9].map((seq) => probeEvent(topic, { key: 'k', seq }));
      await broker.publish(after.map((event) => serializer.toMessage(event)));
      await eventually(() => after.every((event) => probe.handled.some((h) => h.eventId === event.eventId)), 'the events after the drop were handled');
    } finally {
      await app?.close();
      await broker.close();
    }
  });
});
