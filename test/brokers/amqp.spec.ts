import type { INestMicroservice } from '@nestjs/common';
import { EventSerializer, IntegrationEventRegistry, type NotificationEvent } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { Inbox, InboxModule, type InboxOutcome } from 'nestjs-cqrs-broker/inbox';
import amqplib from 'amqplib';
import { deleteAmqp, rawQueue, readQueue } from './support/amqp-raw.js';
import { createInboxDatabase, type InboxDatabase } from './support/inbox-db.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const fastRetry = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };
const header = (message: amqplib.ConsumeMessage, name: string) => {
  const value = message.properties.headers?.[name];
  return Buffer.isBuffer(value) ? value.toString() : value === undefined ? undefined : String(value);
};

describe('RabbitMQ broker and consumer', () => {
  const exchange = unique('amqp-spec');
  let broker: AmqpMessageBroker;
  const apps: INestMicroservice[] = [];
  const cleanup: { queues: string[]; exchanges: string[] } = { queues: [], exchanges: [exchange] };
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));
  const consume = async (topic: string, probe: Probe, options: { queue?: string; retry?: object; imports?: any[]; consumer?: { unknownEvents?: 'skip' | 'dead-letter' } } = {}) => {
    const queue = options.queue ?? unique('amqp-queue');
    cleanup.queues.push(queue, `${queue}.dlq`);
    cleanup.exchanges.push(`${queue}.dlx`);
    const strategy = new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic] });
    const app = await startConsumer(strategy, probe, { name: 'amqp-spec', retry: options.retry ?? fastRetry, imports: options.imports, consumer: options.consumer });
    apps.push(app);
    return { app, queue, strategy };
  };

  beforeAll(async () => {
    await requireRabbitMq();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'amqp-spec' });
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await broker?.close();
    await deleteAmqp({ queues: [...new Set(cleanup.queues)], exchanges: [...new Set(cleanup.exchanges)] }).catch(() => undefined);
  });

  it('publishes persistent python-cqrs JSON with message id = event id and the event-id, event-name, content-type, correlation-id, traceparent and key headers (read by a raw amqplib consumer)', async () => {
    const topic = unique('amqp-shape');
    const raw = await rawQueue(exchange, unique('raw-reader'), topic);
    try {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const events = [0, 1, 2].map((seq) => probeEvent(topic, { key: 'meeting-1', seq }, { headers: { 'correlation-id': 'corr-1', traceparent } }));
      await publish(...events);

      const read = await raw.read(3);
      expect(read.map((message) => JSON.parse(message.content.toString()).payload.seq)).toEqual([0, 1, 2]);
      const [first] = read;
      expect(JSON.parse(first.content.toString())).toEqual({
        event_id: events[0].eventId,
        event_timestamp: events[0].eventTimestamp.toISOString(),
        event_name: 'broker_test_probe',
        topic,
        payload: { key: 'meeting-1', seq: 0 },
      });
      expect(first.fields.exchange).toBe(exchange);
      expect(first.fields.routingKey).toBe(topic);
      expect(first.properties.messageId).toBe(events[0].eventId);
      expect(first.properties.deliveryMode).toBe(2);
      expect(first.properties.contentType).toBe('application/json');
      expect(first.properties.correlationId).toBe('corr-1');
      expect(header(first, 'event-id')).toBe(events[0].eventId);
      expect(header(first, 'event-name')).toBe('broker_test_probe');
      expect(header(first, 'content-type')).toBe('application/json');
      expect(header(first, 'correlation-id')).toBe('corr-1');
      expect(header(first, 'traceparent')).toBe(traceparent);
      expect(header(first, 'key')).toBe('meeting-1');
    } finally {
      await raw.close();
    }
  });

  it('hands events to the handlers in publish order, so one key keeps its order', async () => {
    const topic = unique('amqp-order');
    const probe = new Probe();
    await consume(topic, probe);
    const events = Array.from({ length: 50 }, (_, seq) => ['room-a', 'room-b'].map((key) => probeEvent(topic, { key, seq }))).flat();
    for (let i = 0; i < events.length; i += 20) await publish(...events.slice(i, i + 20));

    await eventually(() => probe.handled.length >= events.length, `all ${events.length} events were handled`);
    for (const key of ['room-a', 'room-b']) expect(probe.handledSeqs(key)).toEqual(Array.from({ length: 50 }, (_, seq) => seq));
  });

  describe('with an inbox', () => {
    let db: InboxDatabase;
    beforeAll(async () => {
      db = await createInboxDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('handles a message published twice once: the inbox recognises the redelivery', async () => {
      const topic = unique('amqp-twice');
      const probe = new Probe();
      const outcomes: InboxOutcome<unknown>[] = [];
      const { app } = await consume(topic, probe, { imports: [InboxModule.forRoot({ dataSource: db.dataSource, tableName: db.inboxTable })] });
      const inbox = app.get(Inbox);
      probe.work = async (event) => {
        outcomes.push(await inbox.transaction(event, (manager) => manager.insert(db.effects, { eventId: event.eventId })));
      };

      const twice = serializer.toMessage(probeEvent(topic, { key: 'k', seq: 0 }));
      await broker.publish([twice]);
      await broker.publish([twice]);
      await publish(probeEvent(topic, { key: 'k', seq: 1 }));

      await eventually(() => probe.handledSeqs().includes(1), 'the event after the duplicate was handled');
      expect(probe.handledSeqs()).toEqual([0, 0, 1]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['processed', 'duplicate', 'processed']);
      expect(await db.effectsOf(twice.eventId)).toBe(1);
    });
  });

  it('dead-letters a message whose handler always throws to the dead-letter queue after the configured attempts, and goes on with the next messages', async () => {
    const topic = unique('amqp-dlq');
    const probe = new Probe();
    const { queue } = await consume(topic, probe);
    const bad = probeEvent(topic, { key: 'k', seq: 0, fail: true });
    await publish(bad, probeEvent(topic, { key: 'k', seq: 1 }));

    await eventually(() => probe.handledSeqs().includes(1), 'the message after the failing one was handled');
    expect(probe.attempts.filter((attempt) => attempt.seq === 0)).toHaveLength(3);

    const [deadLetter] = await readQueue(`${queue}.dlq`, 1);
    expect(JSON.parse(deadLetter.content.toString()).event_id).toBe(bad.eventId);
    expect(deadLetter.properties.messageId).toBe(bad.eventId);
    expect(header(deadLetter, 'x-delivery-attempts')).toBe('3');
    expect(header(deadLetter, 'x-dead-letter-reason')).toMatch(/probe 0 always fails/);
    expect(header(deadLetter, 'x-original-exchange')).toBe(exchange);
    expect(header(deadLetter, 'x-original-routing-key')).toBe(topic);
    expect(header(deadLetter, 'event-id')).toBe(bad.eventId);
  });

  it('dead-letters malformed messages (not JSON, unknown event name with unknownEvents: \'dead-letter\', failed validation) at once with their reason, and goes on', async () => {
    const topic = unique('amqp-malformed');
    const probe = new Probe();
    const { queue } = await consume(topic, probe, { consumer: { unknownEvents: 'dead-letter' } });
    const wire = (eventName: string, payload: unknown) =>
      Buffer.from(JSON.stringify({ event_id: unique('id'), event_timestamp: new Date().toISOString(), event_name: eventName, topic, payload }));
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, topic, Buffer.from('not json {'));
    channel.publish(exchange, topic, wire('nobody_knows_me', {}));
    channel.publish(exchange, topic, wire('broker_test_probe', { key: 'k', seq: 'not a number' }));
    channel.publish(exchange, topic, serializer.toMessage(probeEvent(topic, { key: 'k', seq: 7 })).body);
    await channel.waitForConfirms();
    await connection.close();

    await eventually(() => probe.handledSeqs().includes(7), 'the good message after the malformed ones was handled');
    expect(probe.attempts.map((attempt) => attempt.seq)).toEqual([7]);
    const deadLetters = await readQueue(`${queue}.dlq`, 3);
    expect(deadLetters.map((message) => header(message, 'x-dead-letter-reason'))).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/unknown event name "nobody_knows_me"/),
      expect.stringMatching(/failed validation.*seq/),
    ]);
    expect(deadLetters.map((message) => header(message, 'x-delivery-attempts'))).toEqual(['1', '1', '1']);
  });

  it('acknowledges only after handling: a message its consumer stopped retrying is delivered again to the next consumer of the queue', async () => {
    const topic = unique('amqp-stop');
    const queue = unique('amqp-queue');
    const first = new Probe();
    const { app } = await consume(topic, first, { queue, retry: { maxAttempts: 5, initialDelayMs: 600_000 } });
    const event = probeEvent(topic, { key: 'k', seq: 0, failUntilAttempt: 2 });
    await publish(event);
    await eventually(() => first.attempts.length === 1, 'the first attempt failed');
    await app.close();
    apps.splice(apps.indexOf(app), 1);

    const second = new Probe();
    await consume(topic, second, { queue });
    await eventually(() => second.handled.length === 1, 'the next consumer of the queue handled the message');
    expect(second.handled[0].eventId).toBe(event.eventId);
  });
});
