// Attempts that survive redelivery: a message that kills its consumer process on every attempt ends in the dead letter
// after retry.maxAttempts started attempts, counted by InboxAttemptStore in PostgreSQL, on Kafka and on RabbitMQ.
import { DataSource } from 'typeorm';
import { EventSerializer, IntegrationEventRegistry, type MessageBroker } from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { createInboxAttemptsEntity, createInboxAttemptsMigration } from 'nestjs-cqrs-broker/inbox';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { deleteAmqp, readQueue } from './support/amqp-raw.js';
import { startConsumerChild, type ConsumerChild } from './support/child-consumer.js';
import { readKafkaTopic } from './support/kafka-raw.js';
import { AMQP_URL, eventually, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requireRabbitMq, unique } from './support/services.js';
import { probeEvent } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const maxAttempts = 2;

interface Transport {
  readonly name: string;
  ready(): Promise<void>;
  /** Child environment and the matching publisher and dead-letter reader. */
  setup(): { env: Record<string, string>; broker: MessageBroker; topic: string; readDeadLetters(): Promise<Array<{ eventId: string; headers: Record<string, string | undefined> }>>; cleanup(): Promise<void> };
}

const kafka: Transport = {
  name: 'Kafka',
  ready: () => requireKafka(),
  setup() {
    const topic = unique('crash-loop');
    const broker = new KafkaMessageBroker({ client: { brokers: KAFKA_BROKERS } });
    return {
      topic,
      broker,
      env: { CHILD_BROKER: 'kafka', CHILD_KAFKA_BROKERS: KAFKA_BROKERS.join(','), CHILD_GROUP: unique('crash-loop-group') },
      async readDeadLetters() {
        const messages = await readKafkaTopic(`${topic}.DLT`, 1);
        return messages.map((message) => ({
          eventId: JSON.parse(message.value!.toString()).event_id,
          headers: { 'x-delivery-attempts': message.headerText('x-delivery-attempts'), 'x-dead-letter-reason': message.headerText('x-dead-letter-reason'), 'x-dead-letter-consumer': message.headerText('x-dead-letter-consumer') },
        }));
      },
      cleanup: () => broker.close(),
    };
  },
};

const rabbit: Transport = {
  name: 'RabbitMQ',
  ready: () => requireRabbitMq(),
  setup() {
    const topic = unique('crash-loop');
    const queue = unique('crash-loop-queue');
    const exchange = unique('crash-loop-exchange');
    const broker = new AmqpMessageBroker({ url: AMQP_URL, exchange });
    return {
      topic,
      broker,
      env: { CHILD_BROKER: 'amqp', CHILD_AMQP_URL: AMQP_URL, CHILD_GROUP: queue, CHILD_EXCHANGE: exchange },
      async readDeadLetters() {
        const messages = await readQueue(`${queue}.dlq`, 1);
        return messages.map((message) => ({
          eventId: String(message.properties.messageId),
          headers: Object.fromEntries(Object.entries(message.properties.headers ?? {}).map(([name, value]) => [name, value === undefined ? undefined : String(value)])),
        }));
      },
      async cleanup() {
        await broker.close();
        await deleteAmqp({ queues: [queue, `${queue}.dlq`], exchanges: [exchange, `${queue}.dlx`] });
      },
    };
  },
};

describe.each([kafka, rabbit])('a message that crashes its consumer on every attempt ($name)', (transport) => {
  let dataSource: DataSource;
  const tableName = unique('attempts').replace(/-/g, '_');
  const children: ConsumerChild[] = [];

  beforeAll(async () => {
    await transport.ready();
    dataSource = new DataSource({
      type: 'postgres',
      url: POSTGRES_URL,
      entities: [createInboxAttemptsEntity({ tableName })],
      migrations: [createInboxAttemptsMigration({ tableName })],
      migrationsTableName: `${tableName}_migrations`,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    for (const child of children) child.kill();
    await dataSource?.query(`DROP TABLE IF EXISTS "${tableName}"`);
    await dataSource?.query(`DROP TABLE IF EXISTS "${tableName}_migrations"`);
    await dataSource?.destroy();
  });

  it(`ends in the dead letter after ${maxAttempts} started attempts (counted in the database across restarts) instead of looping, and the next message is handled`, { timeout: 180_000 }, async () => {
    const { env, broker, topic, readDeadLetters, cleanup } = transport.setup();
    const consumerName = unique('crash-loop-consumer');
    const childEnv = { ...env, CHILD_TOPIC: topic, CHILD_CONSUMER_NAME: consumerName, CHILD_MAX_ATTEMPTS: String(maxAttempts), CHILD_POSTGRES_URL: POSTGRES_URL, CHILD_ATTEMPTS_TABLE: tableName };
    try {
      const start = async () => {
        const child = startConsumerChild(childEnv);
        children.push(child);
        await child.ready;
        return child;
      };
      let child = await start(); // declares the queue / creates the topic
      const crashing = probeEvent(topic, { key: 'room', seq: 1, crash: true } as never);
      const next = probeEvent(topic, { key: 'room', seq: 2 });
      await broker.publish([serializer.toMessage(crashing), serializer.toMessage(next)]);

      let crashes = 0;
      while (!child.handled.includes(next.eventId)) {
        const outcome = await Promise.race([child.exited, eventually(() => child.handled.includes(next.eventId), 'the next message was handled', 120_000).then(() => 'handled' as const)]);
        if (outcome === 'handled') break;
        expect(outcome).toBe('SIGKILL');
        crashes++;
        expect(crashes).toBeLessThanOrEqual(maxAttempts); // a loop would go on
        child = await start();
      }

      expect(crashes).toBe(maxAttempts);
      expect(children.flatMap((c) => c.attempted).filter((id) => id === crashing.eventId)).toHaveLength(maxAttempts);
      expect(children.flatMap((c) => c.handled)).toEqual([next.eventId]);
      const [deadLetter] = await readDeadLetters();
      expect(deadLetter.eventId).toBe(crashing.eventId);
      expect(deadLetter.headers['x-delivery-attempts']).toBe(String(maxAttempts));
      expect(deadLetter.headers['x-dead-letter-reason']).toMatch(/earlier deliveries without finishing/);
      expect(deadLetter.headers['x-dead-letter-consumer']).toBe(consumerName);
      // Handled and dead-lettered events leave no count behind.
      expect(await dataSource.query(`SELECT * FROM "${tableName}" WHERE consumer_name = $1`, [consumerName])).toEqual([]);
    } finally {
      for (const c of children.splice(0)) {
        c.kill('SIGTERM');
        await c.exited;
      }
      await cleanup();
    }
  });
});
