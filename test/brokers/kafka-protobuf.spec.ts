import type { INestMicroservice } from '@nestjs/common';
import type { EventSerializer, NotificationEvent } from 'nestjs-cqrs-broker';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { rawKafka, readKafkaTopic } from './support/kafka-raw.js';
import { ProtoProbe, PROTO_PROBE, ProtoProbeHandler, protoProbeEvent, protobufSerializer, readAsPythonCqrsLayout, writeAsPythonCqrsLayout } from './support/protobuf-events.js';
import { eventually, KAFKA_BROKERS, requireKafka, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const client = { brokers: KAFKA_BROKERS, clientId: 'kafka-protobuf-spec' };

describe('protobuf events through Kafka', () => {
  let broker: KafkaMessageBroker;
  let serializer: EventSerializer;
  const apps: INestMicroservice[] = [];
  const publish = (...events: NotificationEvent<unknown>[]) => broker.publish(events.map((event) => serializer.toMessage(event)));
  const consume = async (topic: string, probe: Probe, protoProbe: ProtoProbe) => {
    const app = await startConsumer(new KafkaEventConsumer({ client, groupId: unique('kafka-protobuf-group'), topics: [topic] }), probe, {
      name: 'kafka-protobuf-spec',
      retry: { maxAttempts: 1 },
      providers: [ProtoProbeHandler, { provide: PROTO_PROBE, useValue: protoProbe }],
    });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    await requireKafka();
    serializer = await protobufSerializer();
    broker = new KafkaMessageBroker({ client });
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('carries a protobuf event as application/x-protobuf bytes and hands the consumer the same event (id, name, timestamp, topic, key, payload with its int64), beside JSON events on the same topic', async () => {
    const topic = unique('kafka-protobuf');
    const probe = new Probe();
    const protoProbe = new ProtoProbe();
    await consume(topic, probe, protoProbe);
    const sent = protoProbeEvent(topic, { key: 'room-1', seq: 1, big: '9007199254740993' });
    await publish(probeEvent(topic, { key: 'room-1', seq: 0 }), sent, probeEvent(topic, { key: 'room-1', seq: 2 }));

    await eventually(() => probe.handled.length === 2 && protoProbe.received.length === 1, 'the two JSON events and the protobuf event were handled');
    expect(probe.handledSeqs()).toEqual([0, 2]);
    const [{ event, contentType }] = protoProbe.received;
    expect(contentType).toBe('application/x-protobuf');
    expect([event.eventId, event.eventName, event.topic, event.key, event.eventTimestamp.toISOString()]).toEqual([
      sent.eventId, 'broker_test_proto_probe', topic, 'room-1', sent.eventTimestamp.toISOString(),
    ]);
    expect({ ...event.payload }).toEqual({ key: 'room-1', seq: 1, big: '9007199254740993' });

    const raw = await readKafkaTopic(topic, 3);
    const [json, proto] = raw;
    expect(json.headerText('content-type')).toBe('application/json');
    expect(proto.headerText('content-type')).toBe('application/x-protobuf');
    expect(proto.headerText('event-id')).toBe(sent.eventId);
    expect(proto.headerText('event-name')).toBe('broker_test_proto_probe');
    expect(proto.key?.toString()).toBe('room-1');
    expect(readAsPythonCqrsLayout(proto.value!)).toEqual({
      event_id: sent.eventId,
      event_timestamp: sent.eventTimestamp.toISOString(),
      event_name: 'broker_test_proto_probe',
      payload: { key: 'room-1', seq: 1, big: '9007199254740993' },
    });
  });

  it('handles a protobuf record sent as python-cqrs 5.x sends one on Kafka: no content type, no key, headers event_name and message_id, a body without topic', async () => {
    const topic = unique('kafka-protobuf-python');
    const protoProbe = new ProtoProbe();
    await consume(topic, new Probe(), protoProbe);
    const eventId = crypto.randomUUID();
    const producer = rawKafka().producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [{
          value: writeAsPythonCqrsLayout({ event_id: eventId, event_timestamp: '2026-11-29T21:50:08.854936', event_name: 'broker_test_proto_probe', payload: { key: 'k', seq: 3, big: '12' } }),
          headers: { event_name: 'broker_test_proto_probe', message_id: eventId },
        }],
      });
    } finally {
      await producer.disconnect();
    }

    await eventually(() => protoProbe.received.length === 1, 'the python-cqrs protobuf record was handled');
    const [{ event, contentType }] = protoProbe.received;
    expect(contentType).toBe('application/x-protobuf');
    expect([event.eventId, event.topic, event.eventTimestamp.toISOString()]).toEqual([eventId, topic, '2026-11-29T21:50:08.854Z']);
    expect({ ...event.payload }).toEqual({ key: 'k', seq: 3, big: '12' });
  });

  it('dead-letters a message of a content type no codec reads to <topic>.DLT at once, with the reason, and goes on', async () => {
    const topic = unique('kafka-protobuf-unknown-type');
    const probe = new Probe();
    const protoProbe = new ProtoProbe();
    await consume(topic, probe, protoProbe);
    const producer = rawKafka().producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: 'k', value: Buffer.from([1, 2, 3]), headers: { 'content-type': 'application/avro', 'event-id': 'avro-1' } }] });
    } finally {
      await producer.disconnect();
    }
    const next = protoProbeEvent(topic, { key: 'k', seq: 5, big: '0' });
    await publish(next);

    await eventually(() => protoProbe.received.length === 1, 'the protobuf event after the unreadable message was handled');
    expect(protoProbe.received[0].event.eventId).toBe(next.eventId);
    const [deadLetter] = await readKafkaTopic(`${topic}.DLT`, 1);
    expect(deadLetter.value).toEqual(Buffer.from([1, 2, 3]));
    expect(deadLetter.headerText('x-dead-letter-reason')).toBe(
      'Malformed event: content type "application/avro" has no codec in this app (it reads "application/json", "application/x-protobuf")',
    );
    expect(deadLetter.headerText('x-delivery-attempts')).toBe('1');
  });
});
