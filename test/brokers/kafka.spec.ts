import type { INestMicroservice } from '@nestjs/common';
import { EventSerializer, IntegrationEventRegistry, type NotificationEvent } from 'nestjs-cqrs-broker';
import { Inbox, InboxModule, type InboxOutcome } from 'nestjs-cqrs-broker/inbox';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { createInboxDatabase, type InboxDatabase } from './support/inbox-db.js';
import { committedOffset, rawKafka, readKafkaTopic } from './support/kafka-raw.js';
import { eventually, gate, KAFKA_BROKERS, requireKafka, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const client = { brokers: KAFKA_BROKERS, clientId: 'kafka-spec' };
const fastRetry = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };

describe('Kafka broker and consumer', () => {
  let broker: KafkaMessageBroker;
  const apps: INestMicroservice[] = [];
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));
  const consume = async (topic: string, probe: Probe, options: { groupId?: string; retry?: object; imports?: any[]; partitionsConsumedConcurrently?: number; consumer?: { unknownEvents?: 'skip' | 'dead-letter' } } = {}) => {
    const app = await startConsumer(
      new KafkaEventConsumer({
        client,
        groupId: options.groupId ?? unique('group'),
        topics: [topic],
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      }),
      probe,
      { name: 'kafka-spec', retry: options.retry ?? fastRetry, imports: options.imports, consumer: options.consumer },
    );
    apps.push(app);
    return app;
  };
  const createTopic = async (topic: string, numPartitions: number) => {
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    await admin.disconnect();
  };

  beforeAll(async () => {
    await requireKafka();
    broker = new KafkaMessageBroker({ client });
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('publishes the python-cqrs JSON with the event key and the event-id, event-name, content-type, correlation-id and traceparent headers (read by a raw kafkajs consumer)', async () => {
    const topic = unique('kafka-shape');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const events = [0, 1, 2].map((seq) =>
      probeEvent(topic, { key: 'meeting-1', seq }, { headers: { 'correlation-id': 'corr-1', traceparent } }),
    );
    await publish(...events);

    const read = await readKafkaTopic(topic, 3);
    expect(read.map((message) => JSON.parse(message.value!.toString()).payload.seq)).toEqual([0, 1, 2]);
    const [first] = read;
    expect(JSON.parse(first.value!.toString())).toEqual({
      event_id: events[0].eventId,
      event_timestamp: events[0].eventTimestamp.toISOString(),
      event_name: 'broker_test_probe',
      topic,
      payload: { key: 'meeting-1', seq: 0 },
    });
    expect(first.key?.toString()).toBe('meeting-1');
    expect(first.headerText('event-id')).toBe(events[0].eventId);
    expect(first.headerText('event-name')).toBe('broker_test_probe');
    expect(first.headerText('content-type')).toBe('application/json');
    expect(first.headerText('correlation-id')).toBe('corr-1');
    expect(first.headerText('traceparent')).toBe(traceparent);
  });

  it('keeps the events of one key in publish order through the consumer, with partitions consumed concurrently', async () => {
    const topic = unique('kafka-order');
    await createTopic(topic, 3);
    const keys = ['room-a', 'room-b', 'room-c', 'room-d'];
    const perKey = 40;
    const events = Array.from({ length: perKey }, (_, seq) => keys.map((key) => probeEvent(topic, { key, seq }))).flat();
    for (let i = 0; i < events.length; i += 20) await publish(...events.slice(i, i + 20));

    const probe = new Probe();
    await consume(topic, probe, { partitionsConsumedConcurrently: 3 });
    await eventually(() => probe.handled.length >= events.length, `all ${events.length} events were handled`);
    for (const key of keys) expect(probe.handledSeqs(key)).toEqual(Array.from({ length: perKey }, (_, seq) => seq));
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
      const topic = unique('kafka-twice');
      const probe = new Probe();
      const outcomes: InboxOutcome<unknown>[] = [];
      const app = await consume(topic, probe, { imports: [InboxModule.forRoot({ dataSource: db.dataSource, tableName: db.inboxTable })] });
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

  it('dead-letters a message whose handler always throws to <topic>.DLT after the configured attempts, and goes on with the next messages', async () => {
    const topic = unique('kafka-dlt');
    const probe = new Probe();
    await consume(topic, probe);
    const bad = probeEvent(topic, { key: 'k', seq: 0, fail: true });
    await publish(bad, probeEvent(topic, { key: 'k', seq: 1 }));

    await eventually(() => probe.handledSeqs().includes(1), 'the message after the failing one was handled');
    expect(probe.attempts.filter((attempt) => attempt.seq === 0)).toHaveLength(3);

    const [deadLetter] = await readKafkaTopic(`${topic}.DLT`, 1);
    expect(JSON.parse(deadLetter.value!.toString()).event_id).toBe(bad.eventId);
    expect(deadLetter.key?.toString()).toBe('k');
    expect(deadLetter.headerText('x-delivery-attempts')).toBe('3');
    expect(deadLetter.headerText('x-dead-letter-reason')).toMatch(/probe 0 always fails/);
    expect(deadLetter.headerText('x-original-topic')).toBe(topic);
    expect(deadLetter.headerText('x-original-offset')).toMatch(/^\d+$/);
    expect(deadLetter.headerText('event-id')).toBe(bad.eventId);
  });

  it('dead-letters malformed messages (not JSON, unknown event name with unknownEvents: \'dead-letter\', failed validation) at once with their reason, and goes on', async () => {
    const topic = unique('kafka-malformed');
    const probe = new Probe();
    await consume(topic, probe, { consumer: { unknownEvents: 'dead-letter' } });
    const good = probeEvent(topic, { key: 'k', seq: 7 });
    const wire = (eventName: string, payload: unknown) =>
      JSON.stringify({ event_id: unique('id'), event_timestamp: new Date().toISOString(), event_name: eventName, topic, payload });
    const producer = rawKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'k', value: 'not json {' },
        { key: 'k', value: wire('nobody_knows_me', {}) },
        { key: 'k', value: wire('broker_test_probe', { key: 'k', seq: 'not a number' }) },
        { key: 'k', value: serializer.toMessage(good).body },
      ],
    });
    await producer.disconnect();

    await eventually(() => probe.handledSeqs().includes(7), 'the good message after the malformed ones was handled');
    expect(probe.attempts.map((attempt) => attempt.seq)).toEqual([7]);
    const deadLetters = await readKafkaTopic(`${topic}.DLT`, 3);
    const reasons = deadLetters.map((message) => message.headerText('x-dead-letter-reason'));
    expect(reasons).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/unknown event name "nobody_knows_me"/),
      expect.stringMatching(/failed validation.*seq/),
    ]);
    expect(deadLetters.map((message) => message.headerText('x-delivery-attempts'))).toEqual(['1', '1', '1']);
  });

  it('commits an offset only after the message handlers finished', async () => {
    const topic = unique('kafka-commit');
    await createTopic(topic, 1);
    const groupId = unique('group');
    const probe = new Probe();
    const held = gate();
    probe.gate = held.promise;
    await consume(topic, probe, { groupId });

    await publish(probeEvent(topic, { key: 'k', seq: 0 }));
    await eventually(async () => (await committedOffset(groupId, topic, 0)) === 1, 'the first handled message was committed');

    await publish(probeEvent(topic, { key: 'k', seq: 1, block: true }));
    await eventually(() => probe.attempts.some((attempt) => attempt.seq === 1), 'the second handler started');
    expect(await committedOffset(groupId, topic, 0)).toBe(1);

    held.open();
    await eventually(async () => (await committedOffset(groupId, topic, 0)) === 2, 'the second message was committed once handled');
  });

  it('delivers a message again to the group when its consumer stopped while still retrying it', async () => {
    const topic = unique('kafka-stop');
    const groupId = unique('group');
    const first = new Probe();
    const app = await consume(topic, first, { groupId, retry: { maxAttempts: 5, initialDelayMs: 600_000 } });
    const event = probeEvent(topic, { key: 'k', seq: 0, failUntilAttempt: 2 });
    await publish(event);
    await eventually(() => first.attempts.length === 1, 'the first attempt failed');
    await app.close();
    apps.splice(apps.indexOf(app), 1);

    const second = new Probe();
    await consume(topic, second, { groupId });
    await eventually(() => second.handled.length === 1, 'the next consumer of the group handled the message');
    expect(second.handled[0].eventId).toBe(event.eventId);
  });
});
