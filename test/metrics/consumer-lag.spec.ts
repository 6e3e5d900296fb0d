// cqrs_broker_consumer_lag on real brokers (CqrsBrokerModule's `metrics` option): a consumer that starts behind a
// backlog, held on its first message by a slow handler, shows the backlog; once it drains, 0; once it closes, no series.
// Kafka: from each fetch's high watermark (no extra request); RabbitMQ: the queue's ready messages (checkQueue).
import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy, MicroserviceOptions } from '@nestjs/microservices';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { Registry } from 'prom-client';
import { CqrsBrokerModule, EventConsumerModule, EventSerializer, IntegrationEventRegistry, type NotificationEvent } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { deleteAmqp } from '../brokers/support/amqp-raw.js';
import { rawKafka } from '../brokers/support/kafka-raw.js';
import { AMQP_URL, eventually, gate, KAFKA_BROKERS, requireKafka, requireRabbitMq, unique } from '../brokers/support/services.js';
import { Probe, PROBE, ProbeHandler, probeEvent } from '../brokers/support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());

/** The lag samples of `registry`, as `topic[partition]` (or `topic`) → value, for `consumer`. */
async function lagOf(registry: Registry, consumer: string): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('cqrs_broker_consumer_lag')?.get();
  if (!metric) throw new Error('no metric cqrs_broker_consumer_lag');
  const samples = metric.values.filter((sample) => sample.labels.consumer === consumer);
  return new Map(samples.map((sample) => [sample.labels.partition === undefined ? String(sample.labels.topic) : `${sample.labels.topic}[${sample.labels.partition}]`, sample.value]));
}

/** A consumer app with the probe handler and metrics on `registry` (or off). */
async function startConsumer(strategy: CustomStrategy['strategy'], probe: Probe, name: string, registry: Registry | undefined): Promise<INestMicroservice> {
  @Module({
    imports: [CqrsBrokerModule.forRoot({ metrics: registry ? { registry } : false }), EventConsumerModule.forRoot({ name, retry: { maxAttempts: 1 } })],
    providers: [ProbeHandler, { provide: PROBE, useValue: probe }],
  })
  class LagAppModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(LagAppModule, { strategy, logger: ['error'] });
  await app.listen();
  return app;
}

describe('cqrs_broker_consumer_lag on Kafka', () => {
  const client = { brokers: KAFKA_BROKERS, clientId: 'consumer-lag-spec' };
  let broker: KafkaMessageBroker;
  const apps: INestMicroservice[] = [];
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));

  beforeAll(async () => {
    await requireKafka();
    broker = new KafkaMessageBroker({ client });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  /** The topics these tests made, deleted after (a single-node Kafka keeps every topic's log). */
  const topics: string[] = [];
  afterAll(async () => {
    await broker?.close();
    if (!topics.length) return;
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('a consumer that starts 5 messages behind shows lag 5 on its partition while its handler holds the first, 0 once drained, and no series once closed', async () => {
    const topic = unique('lag-kafka');
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    topics.push(topic);
    await publish(...[0, 1, 2, 3, 4].map((seq) => probeEvent(topic, { key: 'k', seq, block: true })));

    const registry = new Registry();
    const probe = new Probe();
    const held = gate();
    probe.gate = held.promise;
    const app = await startConsumer(new KafkaEventConsumer({ client, groupId: unique('lag-group'), topics: [topic] }), probe, 'lag-kafka', registry);
    apps.push(app);

    await eventually(() => probe.attempts.length === 1, 'the handler holds the first message');
    // Held on offset 0 of a partition whose high watermark is 5: all five are still to be consumed.
    expect(await lagOf(registry, 'lag-kafka')).toEqual(new Map([[`${topic}[0]`, 5]]));

    held.open();
    await eventually(() => probe.handled.length === 5, 'the five messages were handled');
    await eventually(async () => (await lagOf(registry, 'lag-kafka')).get(`${topic}[0]`) === 0, 'the lag went to 0');
    // Nothing more to fetch: kafkajs reports nothing, the 0 stays.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await lagOf(registry, 'lag-kafka')).toEqual(new Map([[`${topic}[0]`, 0]]));

    // More messages, handled as they come: the lag comes back to 0.
    await publish(...[5, 6, 7].map((seq) => probeEvent(topic, { key: 'k', seq })));
    await eventually(() => probe.handled.length === 8, 'the three later messages were handled');
    await eventually(async () => (await lagOf(registry, 'lag-kafka')).get(`${topic}[0]`) === 0, 'the lag went back to 0');

    await apps.splice(0)[0].close();
    expect(await lagOf(registry, 'lag-kafka')).toEqual(new Map());
  });

  it('a partition the group takes away for another member drops its series; the new owner reports it from its first batch', async () => {
    const topic = unique('lag-kafka-rebalance');
    const groupId = unique('lag-group');
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    topics.push(topic);
    const messages = (from: number) => Array.from({ length: 10 }, (_, i) => probeEvent(topic, { key: `key-${i}`, seq: from + i }));
    await publish(...messages(0));

    const [firstRegistry, secondRegistry] = [new Registry(), new Registry()];
    const probe = new Probe();
    apps.push(await startConsumer(new KafkaEventConsumer({ client, groupId, topics: [topic] }), probe, 'lag-rebalance', firstRegistry));
    await eventually(() => probe.handled.length === 10, 'the first member handled the ten messages');
    const both = new Map([[`${topic}[0]`, 0], [`${topic}[1]`, 0]]);
    await eventually(async () => JSON.stringify([...(await lagOf(firstRegistry, 'lag-rebalance'))].sort()) === JSON.stringify([...both].sort()), 'the first member reported 0 on both partitions');

    apps.push(await startConsumer(new KafkaEventConsumer({ client, groupId, topics: [topic] }), probe, 'lag-rebalance', secondRegistry));
    await eventually(async () => (await lagOf(firstRegistry, 'lag-rebalance')).size === 1, 'the first member dropped the partition it lost');
    const [kept] = (await lagOf(firstRegistry, 'lag-rebalance')).keys();

    await publish(...messages(10));
    await eventually(() => probe.handled.length === 20, 'the two members handled the ten later messages');
    await eventually(async () => (await lagOf(secondRegistry, 'lag-rebalance')).size === 1, 'the second member reported its partition');
    const [taken] = (await lagOf(secondRegistry, 'lag-rebalance')).keys();
    expect(new Set([kept, taken])).toEqual(new Set(both.keys()));
  });
});

describe('cqrs_broker_consumer_lag on RabbitMQ', () => {
  const exchange = unique('lag-amqp');
  let broker: AmqpMessageBroker;
  const apps: INestMicroservice[] = [];
  const cleanup: { queues: string[]; exchanges: string[] } = { queues: [], exchanges: [exchange] };
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));

  beforeAll(async () => {
    await requireRabbitMq();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'consumer-lag-spec' });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(async () => {
    await broker?.close();
    await deleteAmqp({ queues: [...new Set(cleanup.queues)], exchanges: [...new Set(cleanup.exchanges)] }).catch(() => undefined);
  });

  it('shows the ready messages of its queue: 5 behind the one its handler holds (prefetch 1), 0 once drained, no series once closed', async () => {
    const topic = unique('lag-amqp-topic');
    const queue = unique('lag-amqp-queue');
    cleanup.queues.push(queue, `${queue}.dlq`);
    cleanup.exchanges.push(`${queue}.dlx`);
    const registry = new Registry();
    const probe = new Probe();
    const held = gate();
    probe.gate = held.promise;
    const strategy = new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic], prefetch: 1, lagIntervalMs: 100 });
    const app = await startConsumer(strategy, probe, 'lag-amqp', registry);
    apps.push(app);
    await eventually(async () => (await lagOf(registry, 'lag-amqp')).get(queue) === 0, 'the empty queue reads 0 from the start');

    await publish(...[0, 1, 2, 3, 4, 5].map((seq) => probeEvent(topic, { key: 'k', seq, block: true })));
    await eventually(() => probe.attempts.length === 1, 'the handler holds the first message');
    // One delivered and unacknowledged (prefetch 1), five ready.
    await eventually(async () => (await lagOf(registry, 'lag-amqp')).get(queue) === 5, 'the lag read 5');

    held.open();
    await eventually(() => probe.handled.length === 6, 'the six messages were handled');
    await eventually(async () => (await lagOf(registry, 'lag-amqp')).get(queue) === 0, 'the lag went to 0');

    await apps.splice(0)[0].close();
    expect(await lagOf(registry, 'lag-amqp')).toEqual(new Map());
  });

  it('in the python-cqrs topology, reports each topic\'s queue under its name', async () => {
    const topic = unique('lag-amqp-python');
    const queue = unique('lag-amqp-python-svc');
    const pythonExchange = unique('lag-amqp-python-exchange');
    cleanup.queues.push(topic, `${queue}.dlq`);
    cleanup.exchanges.push(pythonExchange, `${queue}.dlx`);
    const pythonBroker = new AmqpMessageBroker({ url: AMQP_URL, topology: 'python-cqrs', exchange: pythonExchange, connectionName: 'consumer-lag-spec-python' });
    try {
      const registry = new Registry();
      const probe = new Probe();
      const held = gate();
      probe.gate = held.promise;
      const strategy = new AmqpEventConsumer({ url: AMQP_URL, topology: 'python-cqrs', queue, routingKeys: [topic], prefetch: 1, lagIntervalMs: 100 });
      apps.push(await startConsumer(strategy, probe, 'lag-amqp-python', registry));
      await pythonBroker.publish([0, 1, 2, 3].map((seq) => serializer.toMessage(probeEvent(topic, { key: 'k', seq, block: true }))));
      await eventually(() => probe.attempts.length === 1, 'the handler holds the first message');
      await eventually(async () => (await lagOf(registry, 'lag-amqp-python')).get(topic) === 3, 'the lag of the topic\'s queue read 3');
      expect([...(await lagOf(registry, 'lag-amqp-python')).keys()]).toEqual([topic]);
      held.open();
      await eventually(async () => (await lagOf(registry, 'lag-amqp-python')).get(topic) === 0, 'the lag went to 0');
    } finally {
      await pythonBroker.close();
    }
  });

  it('asks nothing with metrics off, and refuses a lagIntervalMs that is not a positive number', async () => {
    expect(() => new AmqpEventConsumer({ url: AMQP_URL, queue: 'q', lagIntervalMs: 0 })).toThrow('lagIntervalMs');
    const topic = unique('lag-amqp-off');
    const queue = unique('lag-amqp-off-queue');
    cleanup.queues.push(queue, `${queue}.dlq`);
    cleanup.exchanges.push(`${queue}.dlx`);
    const strategy = new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic], lagIntervalMs: 10 });
    const app = await startConsumer(strategy, new Probe(), 'lag-amqp-off', undefined);
    apps.push(app);
    // The consumer's own channel (private): the one the checks would go through.
    const checkQueue = vi.spyOn((strategy as unknown as { channel: ChannelWrapper }).channel, 'checkQueue');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(checkQueue).not.toHaveBeenCalled();
  });
});
