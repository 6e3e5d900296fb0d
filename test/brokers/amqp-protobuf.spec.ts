import type { INestMicroservice } from '@nestjs/common';
import amqplib from 'amqplib';
import type { EventSerializer, NotificationEvent } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { deleteAmqp, rawQueue, readQueue } from './support/amqp-raw.js';
import { consumeLikePythonCqrs, ownVhost } from './support/python-cqrs.js';
import { ProtoProbe, PROTO_PROBE, ProtoProbeHandler, protoProbeEvent, protobufSerializer, readAsPythonCqrsLayout } from './support/protobuf-events.js';
import { AMQP_URL, eventually, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const header = (message: amqplib.ConsumeMessage, name: string) => {
  const value = message.properties.headers?.[name];
  return Buffer.isBuffer(value) ? value.toString() : value === undefined ? undefined : String(value);
};

describe('protobuf events through RabbitMQ', () => {
  const exchange = unique('amqp-protobuf-spec');
  let broker: AmqpMessageBroker;
  let serializer: EventSerializer;
  const apps: INestMicroservice[] = [];
  const cleanup: { queues: string[]; exchanges: string[] } = { queues: [], exchanges: [exchange] };
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));
  const consume = async (topic: string, probe: Probe, protoProbe: ProtoProbe) => {
    const queue = unique('amqp-protobuf-queue');
    cleanup.queues.push(queue, `${queue}.dlq`);
    cleanup.exchanges.push(`${queue}.dlx`);
    const app = await startConsumer(new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic] }), probe, {
      name: 'amqp-protobuf-spec',
      retry: { maxAttempts: 1 },
      providers: [ProtoProbeHandler, { provide: PROTO_PROBE, useValue: protoProbe }],
    });
    apps.push(app);
    return queue;
  };

  beforeAll(async () => {
    await requireRabbitMq();
    serializer = await protobufSerializer();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'amqp-protobuf-spec' });
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await broker?.close();
    await deleteAmqp({ queues: [...new Set(cleanup.queues)], exchanges: [...new Set(cleanup.exchanges)] }).catch(() => undefined);
  });

  it('carries a protobuf event as application/x-protobuf bytes (content type property and header) and hands the consumer the same event, beside JSON events on the same routing key', async () => {
    const topic = unique('amqp-protobuf');
    const probe = new Probe();
    const protoProbe = new ProtoProbe();
    await consume(topic, probe, protoProbe);
    const raw = await rawQueue(exchange, unique('amqp-protobuf-raw'), topic);
    try {
      const sent = protoProbeEvent(topic, { key: 'room-1', seq: 1, big: '-9007199254740993' });
      await publish(probeEvent(topic, { key: 'room-1', seq: 0 }), sent, probeEvent(topic, { key: 'room-1', seq: 2 }));

      await eventually(() => probe.handled.length === 2 && protoProbe.received.length === 1, 'the two JSON events and the protobuf event were handled');
      expect(probe.handledSeqs()).toEqual([0, 2]);
      const [{ event, contentType }] = protoProbe.received;
      expect(contentType).toBe('application/x-protobuf');
      expect([event.eventId, event.eventName, event.topic, event.key, event.eventTimestamp.toISOString()]).toEqual([
        sent.eventId, 'broker_test_proto_probe', topic, 'room-1', sent.eventTimestamp.toISOString(),
      ]);
      expect({ ...event.payload }).toEqual({ key: 'room-1', seq: 1, big: '-9007199254740993' });

      const [json, proto] = await raw.read(3);
      expect(json.properties.contentType).toBe('application/json');
      expect(proto.properties.contentType).toBe('application/x-protobuf');
      expect(header(proto, 'content-type')).toBe('application/x-protobuf');
      expect(proto.properties.messageId).toBe(sent.eventId);
      expect(readAsPythonCqrsLayout(proto.content)).toEqual({
        event_id: sent.eventId,
        event_timestamp: sent.eventTimestamp.toISOString(),
        event_name: 'broker_test_proto_probe',
        payload: { key: 'room-1', seq: 1, big: '-9007199254740993' },
      });
    } finally {
      await raw.close();
    }
  });

  it('dead-letters a message of a content type no codec reads to <queue>.dlq at once, with the reason, and goes on', async () => {
    const topic = unique('amqp-protobuf-unknown-type');
    const probe = new Probe();
    const protoProbe = new ProtoProbe();
    const queue = await consume(topic, probe, protoProbe);
    const connection = await amqplib.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(exchange, topic, Buffer.from([1, 2, 3]), { headers: { 'content-type': 'application/avro', 'event-id': 'avro-1' } });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    const next = protoProbeEvent(topic, { key: 'k', seq: 5, big: '0' });
    await publish(next);

    await eventually(() => protoProbe.received.length === 1, 'the protobuf event after the unreadable message was handled');
    expect(protoProbe.received[0].event.eventId).toBe(next.eventId);
    const [deadLetter] = await readQueue(`${queue}.dlq`, 1);
    expect(deadLetter.content).toEqual(Buffer.from([1, 2, 3]));
    expect(header(deadLetter, 'x-dead-letter-reason')).toBe(
      'Malformed event: content type "application/avro" has no codec in this app (it reads "application/json", "application/x-protobuf")',
    );
    expect(header(deadLetter, 'x-delivery-attempts')).toBe('1');
  });
});

describe('protobuf events through RabbitMQ in the python-cqrs topology', () => {
  let vhost: Awaited<ReturnType<typeof ownVhost>>;
  let broker: AmqpMessageBroker;
  let serializer: EventSerializer;
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    await requireRabbitMq();
    vhost = await ownVhost('cqrs-protobuf-py');
    serializer = await protobufSerializer();
    broker = new AmqpMessageBroker({ url: vhost.url, topology: 'python-cqrs', connectionName: 'amqp-protobuf-python-spec' });
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await vhost?.drop();
  });

  it("sends what python-cqrs 5.x's protobuf codec sends (content type property, event_name and message_id headers, not persistent), and reads it back from the property alone", async () => {
    const rawTopic = unique('py-protobuf-raw');
    const sentRaw = protoProbeEvent(rawTopic, { key: 'k', seq: 1, big: '7' });
    await broker.publish([serializer.toMessage(sentRaw)]);
    const [raw] = await consumeLikePythonCqrs(rawTopic, 1, vhost.url);
    expect(raw.properties.contentType).toBe('application/x-protobuf');
    expect(raw.properties.headers).toEqual({ event_name: 'broker_test_proto_probe', message_id: sentRaw.eventId });
    expect(raw.properties.deliveryMode).not.toBe(2);
    expect(readAsPythonCqrsLayout(raw.content)).toMatchObject({ event_id: sentRaw.eventId, event_name: 'broker_test_proto_probe', payload: { key: 'k', seq: 1, big: '7' } });

    const topic = unique('py-protobuf');
    const protoProbe = new ProtoProbe();
    app = await startConsumer(new AmqpEventConsumer({ url: vhost.url, topology: 'python-cqrs', queue: unique('py-protobuf-consumer'), routingKeys: [topic] }), new Probe(), {
      name: 'amqp-protobuf-python-spec',
      retry: { maxAttempts: 1 },
      providers: [ProtoProbeHandler, { provide: PROTO_PROBE, useValue: protoProbe }],
    });
    const sent = protoProbeEvent(topic, { key: 'k', seq: 2, big: '8' });
    await broker.publish([serializer.toMessage(sent)]);
    await eventually(() => protoProbe.received.length === 1, 'the consumer handled the protobuf event');
    const [{ event, contentType }] = protoProbe.received;
    expect(contentType).toBe('application/x-protobuf');
    expect([event.eventId, event.topic]).toEqual([sent.eventId, topic]);
    expect({ ...event.payload }).toEqual({ key: 'k', seq: 2, big: '8' });
  });
});
