import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { deleteAmqp } from '../brokers/support/amqp-raw.js';
import { rawKafka, readKafkaTopic } from '../brokers/support/kafka-raw.js';
import { AMQP_URL, KAFKA_BROKERS, requireKafka, requireRabbitMq, unique } from '../brokers/support/services.js';
import { builtCli, LOG_LINE, runCli } from './cli-harness.js';

let cli: string;
beforeAll(() => {
  cli = builtCli();
}, 180_000);

/** The headers a consumer writes on a dead letter of `topic`. */
const deadLetterHeaders = (eventId: string, topic: string, reason: string) => ({
  'event-id': eventId,
  'event-name': 'room_booked',
  'x-dead-letter-reason': reason,
  'x-delivery-attempts': '5',
  'x-dead-letter-consumer': 'cli-spec',
  'x-dead-lettered-at': new Date().toISOString(),
  'x-original-topic': topic,
});
const body = (eventId: string, topic: string) => Buffer.from(JSON.stringify({ event_id: eventId, event_name: 'room_booked', topic, payload: { room: 'r1' } }));

describe('cqrs-broker dlq on RabbitMQ', () => {
  const queue = unique('cli-dlq-queue');
  const ids = [randomUUID(), randomUUID()];
  const dlq = (...args: string[]) => runCli(cli, ['dlq', ...args, '--queue', queue], { BROKER_URL: AMQP_URL });

  beforeAll(async () => {
    await requireRabbitMq();
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    await channel.assertQueue(`${queue}.dlq`, { durable: true });
    ids.forEach((id, i) =>
      channel.sendToQueue(`${queue}.dlq`, body(id, 'rooms'), {
        messageId: id,
        persistent: true,
        headers: { ...deadLetterHeaders(id, 'rooms', i ? 'Handler failed: room is closed' : 'Handler failed: database timeout'), 'x-original-exchange': 'cqrs.events', 'x-original-routing-key': 'rooms', key: 'r1' },
      }),
    );
    await channel.waitForConfirms();
    await connection.close();
  });
  afterAll(async () => {
    await deleteAmqp({ queues: [queue, `${queue}.dlq`] }).catch(() => undefined);
  });

  it('list --json prints only the dead letters as JSON on stdout, in order, and removes none', async () => {
    const run = await dlq('list', '--json');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(LOG_LINE);
    const listed = JSON.parse(run.stdout);
    expect(listed.map((deadLetter: { eventId: string }) => deadLetter.eventId)).toEqual(ids);
    expect(listed[0]).toMatchObject({ position: `${queue}.dlq#1`, reason: 'Handler failed: database timeout', attempts: 5, requeueTo: queue, originalTopic: 'rooms', key: 'r1' });
    expect(JSON.parse((await dlq('list', '--json')).stdout)).toHaveLength(2);
  });

  it('inspect --json shows the headers and the parsed body; an unknown event id exits 3', async () => {
    const run = await dlq('inspect', ids[1], '--json');
    expect(run.code).toBe(0);
    const [shown] = JSON.parse(run.stdout);
    expect(shown.headers['x-dead-letter-reason']).toBe('Handler failed: room is closed');
    expect(shown.body).toEqual({ event_id: ids[1], event_name: 'room_booked', topic: 'rooms', payload: { room: 'r1' } });
    const missing = await dlq('inspect', 'no-such-event', '--json');
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toEqual([]);
  });

  it('replay needs a selector (exit 2); replay --reason requeues the matching one to the queue with x-replayed-* headers instead of the dead-letter ones', async () => {
    const bare = await dlq('replay');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--all, --reason, --reason-regex or --event-id/);

    const run = await dlq('replay', '--reason', 'database timeout', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ requeued: 1, eventIds: [ids[0]], left: 1 });
    const connection = await amqplib.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const message = await channel.get(queue, { noAck: true });
      expect(message && message.properties.messageId).toBe(ids[0]);
      const headers = (message as amqplib.GetMessage).properties.headers!;
      expect(headers['x-dead-letter-reason']).toBeUndefined();
      expect(headers['x-replayed-reason']).toBe('Handler failed: database timeout');
      expect(headers['x-replayed-count']).toBe('1');
      expect(headers['x-replayed-topic']).toBe('rooms');
    } finally {
      await connection.close();
    }
    expect(JSON.parse((await dlq('list', '--json')).stdout).map((deadLetter: { eventId: string }) => deadLetter.eventId)).toEqual([ids[1]]);
  });

  it('a broker it cannot reach: one line naming the URL with its password masked, exit 1', async () => {
    const run = await runCli(cli, ['dlq', 'list', '--queue', queue, '--json', '--broker-url', 'amqp://admin:Sup3rSecret@127.0.0.1:1/vhost']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^cqrs-broker: cannot connect to amqp:\/\/admin:\*\*\*@127\.0\.0\.1:1\/vhost: .*ECONNREFUSED/);
    expect(run.stderr).not.toContain('Sup3rSecret');
    const wrongKind = await runCli(cli, ['dlq', 'list', '--topic', 'rooms'], { BROKER_URL: AMQP_URL });
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/needs --queue/);
  });
});

describe('cqrs-broker dlq on Kafka', () => {
  const topic = unique('cli-dlq-topic');
  const ids = [randomUUID(), randomUUID()];
  const url = `kafka://${KAFKA_BROKERS.join(',')}`;
  const dlq = (...args: string[]) => runCli(cli, ['dlq', ...args, '--topic', topic], { BROKER_URL: url });

  beforeAll(async () => {
    await requireKafka();
    const kafka = rawKafka();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }, { topic: `${topic}.DLT` }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${topic}.DLT`,
      messages: ids.map((id, i) => ({ key: 'r1', value: body(id, topic), headers: deadLetterHeaders(id, topic, i ? 'Handler failed: room is closed' : 'Handler failed: database timeout') })),
    });
    await producer.disconnect();
  });

  it('list --json --verbose: the JSON alone on stdout, kafkajs\'s own log lines on stderr', async () => {
    const run = await dlq('list', '--json', '--verbose');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(LOG_LINE);
    expect(JSON.parse(run.stdout).map((deadLetter: { eventId: string }) => deadLetter.eventId)).toEqual(ids);
    expect(run.stderr).toMatch(/KafkaJS/);
  });

  it('replay --event-id requeues that one to the topic with its key and without dead-letter headers, once: a second run requeues nothing', async () => {
    const run = await dlq('replay', '--event-id', ids[1], '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ requeued: 1, eventIds: [ids[1]], left: 1 });
    const [requeued] = await readKafkaTopic(topic, 1);
    expect(requeued.key?.toString()).toBe('r1');
    expect(requeued.headerText('event-id')).toBe(ids[1]);
    expect(requeued.headerText('x-dead-letter-reason')).toBeUndefined();
    expect(requeued.headerText('x-replayed-reason')).toBe('Handler failed: room is closed');

    const again = await dlq('replay', '--event-id', ids[1], '--json');
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toEqual({ requeued: 0, eventIds: [], left: 1 });
    expect(JSON.parse((await dlq('list', '--json')).stdout).map((deadLetter: { eventId: string }) => deadLetter.eventId)).toEqual([ids[0]]);
    const withReplayed = JSON.parse((await dlq('list', '--include-replayed', '--json')).stdout);
    expect(withReplayed[1]).toMatchObject({ eventId: ids[1], replayedAt: expect.stringMatching(/^\d{4}-/) });
  });

  it('a Kafka URL it cannot reach: one line with the SASL password masked, exit 1', async () => {
    const run = await runCli(cli, ['dlq', 'list', '--topic', topic, '--json', '--broker-url', 'kafka://admin:Sup3rSecret@127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^cqrs-broker: cannot connect to kafka:\/\/admin:\*\*\*@127\.0\.0\.1:1: /);
    expect(run.stderr).not.toContain('Sup3rSecret');
  });
});
