// The consumer tells failures apart on every transport: a handler that marks its error non-retryable is dead-lettered
// at once; an outage longer than outage.maxWaitMs hands the message back to the broker (never to the dead letter) and
// it is handled once the outage is over.
import net from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import amqplib from 'amqplib';
import { currentConsumerContext, EventSerializer, InMemoryEventConsumer, InMemoryMessageBroker, IntegrationEventRegistry, MESSAGE_BROKER, NonRetryableException, type MessageBroker } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { deleteAmqp, readQueue } from './support/amqp-raw.js';
import { rawKafka, readKafkaTopic } from './support/kafka-raw.js';
import { AMQP_URL, eventually, KAFKA_BROKERS, requireKafka, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer, type ProbeEvent } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());

interface Setup {
  topic: string;
  strategy: unknown;
  /** The broker to publish through; for the in-memory transport it is the app's own. */
  broker(app: INestMicroservice): MessageBroker;
  deadLetterCount(): Promise<number>;
  /** Event ids and attempt headers of the first `count` dead letters. */
  readDeadLetters(count: number): Promise<Array<{ eventId: string; attempts?: string; reason?: string }>>;
  cleanup(): Promise<void>;
}

interface Transport {
  readonly name: string;
  ready(): Promise<void>;
  setup(): Setup;
}

const kafka: Transport = {
  name: 'Kafka',
  ready: () => requireKafka(),
  setup() {
    const topic = unique('failure-kinds');
    const broker = new KafkaMessageBroker({ client: { brokers: KAFKA_BROKERS } });
    return {
      topic,
      strategy: new KafkaEventConsumer({ client: { brokers: KAFKA_BROKERS }, groupId: unique('failure-kinds-group'), topics: [topic] }),
      broker: () => broker,
      async deadLetterCount() {
        const admin = rawKafka().admin();
        await admin.connect();
        try {
          return (await admin.fetchTopicOffsets(`${topic}.DLT`)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
        } finally {
          await admin.disconnect();
        }
      },
      async readDeadLetters(count) {
        return (await readKafkaTopic(`${topic}.DLT`, count)).map((m) => ({
          eventId: JSON.parse(m.value!.toString()).event_id,
          attempts: m.headerText('x-delivery-attempts'),
          reason: m.headerText('x-dead-letter-reason'),
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
    const topic = unique('failure-kinds');
    const queue = unique('failure-kinds-queue');
    const exchange = unique('failure-kinds-exchange');
    const broker = new AmqpMessageBroker({ url: AMQP_URL, exchange });
    return {
      topic,
      strategy: new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic] }),
      broker: () => broker,
      async deadLetterCount() {
        const connection = await amqplib.connect(AMQP_URL);
        try {
          return (await (await connection.createChannel()).checkQueue(`${queue}.dlq`)).messageCount;
        } finally {
          await connection.close();
        }
      },
      async readDeadLetters(count) {
        return (await readQueue(`${queue}.dlq`, count)).map((m) => ({
          eventId: String(m.properties.messageId),
          attempts: m.properties.headers?.['x-delivery-attempts'] === undefined ? undefined : String(m.properties.headers['x-delivery-attempts']),
          reason: m.properties.headers?.['x-dead-letter-reason'] as string | undefined,
        }));
      },
      async cleanup() {
        await broker.close();
        await deleteAmqp({ queues: [queue, `${queue}.dlq`], exchanges: [exchange, `${queue}.dlx`] });
      },
    };
  },
};

const inMemory: Transport = {
  name: 'in-memory',
  ready: async () => undefined,
  setup() {
    const topic = unique('failure-kinds');
    const deadLetters: Array<{ eventId: string; attempts?: string; reason?: string }> = [];
    let subscribed = false;
    return {
      topic,
      strategy: new InMemoryEventConsumer({ topics: [topic] }),
      broker(app) {
        const broker = app.get<InMemoryMessageBroker>(MESSAGE_BROKER);
        if (!subscribed) {
          subscribed = true;
          broker.subscribe(`${topic}.DLT`, (m) => void deadLetters.push({ eventId: m.eventId, attempts: m.headers['x-delivery-attempts'], reason: m.headers['x-dead-letter-reason'] }));
        }
        return broker;
      },
      deadLetterCount: async () => deadLetters.length,
      async readDeadLetters(count) {
        await eventually(() => deadLetters.length >= count, `${count} dead letter(s)`);
        return deadLetters.slice(0, count);
      },
      cleanup: async () => undefined,
    };
  },
};

/** A real ECONNREFUSED, as a handler whose database or downstream service is down would get it. */
function refusedConnection(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 1 });
    socket.once('error', resolve);
  });
}

describe.each([kafka, rabbit, inMemory])('failure kinds on $name', (transport) => {
  let refused: Error;
  let app: INestMicroservice | undefined;
  let setup: Setup | undefined;

  beforeAll(async () => {
    await transport.ready();
    refused = await refusedConnection();
  });

  afterEach(async () => {
    await app?.close();
    await setup?.cleanup();
    app = setup = undefined;
  });

  it('dead-letters a message whose handler threw NonRetryableException at once (one attempt), and handles the next one', async () => {
    setup = transport.setup();
    const probe = new Probe();
    app = await startConsumer(setup.strategy as never, probe, { name: unique('failure-kinds'), retry: { maxAttempts: 5, initialDelayMs: 5 } });
    const rejected = probeEvent(setup.topic, { key: 'room', seq: 1 });
    const next = probeEvent(setup.topic, { key: 'room', seq: 2 });
    probe.work = async (event: ProbeEvent) => {
      if (event.eventId === rejected.eventId) throw new NonRetryableException('room 1 was deleted');
    };
    await setup.broker(app).publish([serializer.toMessage(rejected), serializer.toMessage(next)]);

    const [deadLetter] = await setup.readDeadLetters(1);
    await eventually(() => probe.handled.some((handled) => handled.eventId === next.eventId), 'the next message was handled');
    expect(deadLetter).toMatchObject({ eventId: rejected.eventId, attempts: '1', reason: 'Handler failed: Not retryable: room 1 was deleted' });
    expect(probe.attempts.filter((attempt) => attempt.eventId === rejected.eventId)).toHaveLength(1);
  });

  it('hands a message back to the broker when an outage outlasts outage.maxWaitMs, never dead-letters it, and handles it once the outage is over', async () => {
    setup = transport.setup();
    const probe = new Probe();
    app = await startConsumer(setup.strategy as never, probe, {
      name: unique('failure-kinds'),
      retry: { maxAttempts: 2, initialDelayMs: 5 },
      consumer: { outage: { maxWaitMs: 300, backoff: { initialDelayMs: 20, maxDelayMs: 50 } } },
    });
    const event = probeEvent(setup.topic, { key: 'room', seq: 1 });
    const next = probeEvent(setup.topic, { key: 'room', seq: 2 });
    const attempts: number[] = [];
    let outageOver = false;
    let tries = 0;
    probe.work = async (handled: ProbeEvent) => {
      if (handled.eventId !== event.eventId) return;
      attempts.push(currentConsumerContext()!.attempt);
      tries++;
      if (!outageOver) throw new Error('could not reach the bookings database', { cause: refused });
    };
    await setup.broker(app).publish([serializer.toMessage(event), serializer.toMessage(next)]);

    // Several outage windows of 300 ms pass: the message goes back to the broker and comes again each time.
    await eventually(() => tries >= 40, 'the consumer kept retrying through the outage');
    expect(probe.handled).toEqual([]); // the next message waited behind it
    outageOver = true;
    await eventually(() => probe.handled.length === 2, 'both messages were handled after the outage');
    expect(probe.handled.map((handled) => handled.eventId)).toEqual([event.eventId, next.eventId]);
    expect(await setup.deadLetterCount()).toBe(0);
    expect(new Set(attempts)).toEqual(new Set([1])); // the outage spent none of its 2 attempts
  });
});

describe('an attempt store that fails for good (not an outage)', () => {
  it('counts the failed tries itself, so the message is still dead-lettered after retry.maxAttempts instead of looping', async () => {
    const setup = inMemory.setup();
    const probe = new Probe();
    const broken = { begin: async () => Promise.reject(new Error('relation "inbox_attempts" does not exist')), clear: async () => undefined };
    const app = await startConsumer(setup.strategy as never, probe, { name: unique('failure-kinds'), retry: { maxAttempts: 3, initialDelayMs: 1 }, consumer: { attempts: broken } });
    try {
      const event = probeEvent(setup.topic, { key: 'room', seq: 1 });
      await setup.broker(app).publish([serializer.toMessage(event)]);
      const [deadLetter] = await setup.readDeadLetters(1);
      expect(deadLetter).toMatchObject({ eventId: event.eventId, attempts: '3', reason: 'Handler failed: relation "inbox_attempts" does not exist' });
      expect(probe.attempts).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
