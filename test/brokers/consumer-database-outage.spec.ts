// Outage-aware consumers: while the consumer's own PostgreSQL database refuses connections for 10 s, the consumer keeps
// the message in progress, takes no other one from its partition / queue, spends none of its attempts, dead-letters
// nothing, and resumes by itself: every event is handled once. Only this test's database goes down (ALLOW_CONNECTIONS
// false + pg_terminate_backend), never the shared server.
import { randomBytes } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import amqplib from 'amqplib';
import { DataSource, EntitySchema, Table } from 'typeorm';
import { currentConsumerContext, EventSerializer, IntegrationEventRegistry, MemoryAttemptStore, type AttemptStore, type MessageBroker } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { createInboxAttemptsEntity, createInboxAttemptsMigration, createInboxEntity, createInboxMigration, Inbox, InboxAttemptStore, InboxModule } from 'nestjs-cqrs-broker/inbox';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { deleteAmqp } from './support/amqp-raw.js';
import { rawKafka } from './support/kafka-raw.js';
import { AMQP_URL, eventually, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer, type ProbeEvent } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const OUTAGE_MS = 10_000;

interface Effect {
  id: number;
  eventId: string;
}
const effects = new EntitySchema<Effect>({
  name: 'OutageEffect',
  tableName: 'effects',
  columns: { id: { type: Number, primary: true, generated: 'increment' }, eventId: { name: 'event_id', type: String, length: 64 } },
});

interface Transport {
  readonly name: string;
  /** Where attempts are counted: in the outage database (its write fails first), or in memory (the handler's inbox transaction fails). */
  readonly attempts: 'database' | 'memory';
  ready(): Promise<void>;
  setup(): { topic: string; strategy: unknown; broker: MessageBroker; deadLettered(): Promise<number>; cleanup(): Promise<void> };
}

const kafka: Transport = {
  name: 'Kafka',
  attempts: 'database',
  ready: () => requireKafka(),
  setup() {
    const topic = unique('db-outage');
    const broker = new KafkaMessageBroker({ client: { brokers: KAFKA_BROKERS } });
    return {
      topic,
      broker,
      strategy: new KafkaEventConsumer({ client: { brokers: KAFKA_BROKERS }, groupId: unique('db-outage-group'), topics: [topic] }),
      async deadLettered() {
        const admin = rawKafka().admin();
        await admin.connect();
        try {
          const offsets = await admin.fetchTopicOffsets(`${topic}.DLT`);
          return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
        } finally {
          await admin.disconnect();
        }
      },
      cleanup: () => broker.close(),
    };
  },
};

const rabbit: Transport = {
  name: 'RabbitMQ',
  attempts: 'memory',
  ready: () => requireRabbitMq(),
  setup() {
    const topic = unique('db-outage');
    const queue = unique('db-outage-queue');
    const exchange = unique('db-outage-exchange');
    const broker = new AmqpMessageBroker({ url: AMQP_URL, exchange });
    return {
      topic,
      broker,
      strategy: new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic] }),
      async deadLettered() {
        const connection = await amqplib.connect(AMQP_URL);
        try {
          return (await (await connection.createChannel()).checkQueue(`${queue}.dlq`)).messageCount;
        } finally {
          await connection.close();
        }
      },
      async cleanup() {
        await broker.close();
        await deleteAmqp({ queues: [queue, `${queue}.dlq`], exchanges: [exchange, `${queue}.dlx`] });
      },
    };
  },
};

describe.each([kafka, rabbit])('a consumer whose database is down for 10 s ($name, attempts counted in $attempts)', (transport) => {
  const database = `consumer_outage_${randomBytes(4).toString('hex')}`;
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  let admin: DataSource;
  let dataSource: DataSource;
  const allowConnections = (allow: boolean) => admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allow}`);
  const terminateConnections = () => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);

  beforeAll(async () => {
    await transport.ready();
    admin = new DataSource({ type: 'postgres', url: POSTGRES_URL });
    await admin.initialize();
    await admin.query(`CREATE DATABASE "${database}"`);
    dataSource = new DataSource({
      type: 'postgres',
      url: url.toString(),
      entities: [createInboxEntity(), createInboxAttemptsEntity(), effects],
      migrations: [createInboxMigration(), createInboxAttemptsMigration()],
      extra: { connectionTimeoutMillis: 2_000 },
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.createTable(
      new Table({ name: 'effects', columns: [{ name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }, { name: 'event_id', type: 'varchar', length: '64' }] }),
    );
    await queryRunner.release();
  });

  afterAll(async () => {
    await allowConnections(true).catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await terminateConnections().catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS "${database}"`);
    await admin?.destroy();
  });

  it('keeps the message in progress and its partition / queue waiting, spends no attempt, dead-letters nothing, and resumes by itself: every event handled once', { timeout: 120_000 }, async () => {
    const { topic, strategy, broker, deadLettered, cleanup } = transport.setup();
    const probe = new Probe();
    /** Handler runs: event id, attempt as the consumer context says, and whether the database was down. */
    const runs: Array<{ eventId: string; attempt: number; down: boolean }> = [];
    /** Every try of the consumer at an event: attempt-count writes and handler runs, whichever hits the outage. */
    const tries: Array<{ eventId: string; down: boolean }> = [];
    let down = false;
    const store = transport.attempts === 'database' ? new InboxAttemptStore(dataSource) : new MemoryAttemptStore();
    const attempts: AttemptStore = {
      begin: (consumerName, eventId) => (tries.push({ eventId, down }), store.begin(consumerName, eventId)),
      clear: (consumerName, eventId) => store.clear(consumerName, eventId),
    };
    let app: INestMicroservice | undefined;
    try {
      app = await startConsumer(strategy as never, probe, {
        name: unique('db-outage-consumer'),
        retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
        imports: [InboxModule.forRoot({ dataSource })],
        consumer: { attempts, outage: { backoff: { initialDelayMs: 100, maxDelayMs: 1_000 } } },
      });
      const inbox = app.get(Inbox);
      probe.work = async (event: ProbeEvent) => {
        runs.push({ eventId: event.eventId, attempt: currentConsumerContext()!.attempt, down });
        tries.push({ eventId: event.eventId, down });
        await inbox.transaction(event, (manager) => manager.insert(effects, { eventId: event.eventId }));
      };
      const events = Array.from({ length: 30 }, (_, seq) => probeEvent(topic, { key: 'room', seq }));
      const publish = (batch: ProbeEvent[]) => broker.publish(batch.map((event) => serializer.toMessage(event)));

      await publish(events.slice(0, 10));
      await eventually(() => probe.handled.length >= 10, 'the events before the outage were handled');

      // The outage: new connections refused ("is not currently accepting connections"), open ones terminated (57P01).
      await allowConnections(false);
      down = true;
      await terminateConnections();
      await publish(events.slice(10));
      await eventually(() => tries.filter((attempt) => attempt.down).length >= 3, 'the consumer retried during the outage');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      down = false;
      await allowConnections(true);

      await eventually(() => probe.handled.length >= 30, `every event was handled after the outage (handled ${probe.handled.length} of 30)`, 60_000);
      // One message at a time waited: nothing else was taken from the partition / queue during the outage.
      expect(new Set(tries.filter((attempt) => attempt.down).map((attempt) => attempt.eventId)).size).toBe(1);
      // No attempt was spent: every run of every event was its attempt 1.
      expect(runs.filter((run) => run.attempt !== 1)).toEqual([]);
      // 0 lost, 0 handled twice, 0 dead-lettered.
      for (const event of events) expect(await dataSource.getRepository(effects).countBy({ eventId: event.eventId })).toBe(1);
      expect(probe.handled.map((handled) => handled.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
      expect(await deadLettered()).toBe(0);
    } finally {
      down = false;
      await allowConnections(true);
      await app?.close();
      await cleanup();
    }
  });
});
