// Bound everything: when a message must be dead-lettered while its broker is down, the dead-letter publish gives up
// within its bound (no hang), the message is not acknowledged (it comes again once the broker is back: no ack), and
// then it lands in the dead letter exactly once, the messages behind it handled once (no loss). Each broker here is
// our own: a Kafka broker on a port of its own (scripts/kafka.sh), a RabbitMQ virtual host of its own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { INestMicroservice } from '@nestjs/common';
import { filter, firstValueFrom } from 'rxjs';
import { EventSerializer, IntegrationEventRegistry, type ConsumedMessage, type ConsumeOutcome } from 'nestjs-cqrs-broker';
import type { DeadLetterRoute } from '../../libs/cqrs-broker/src/consumers/dead-letter.js';
import { AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { readQueue } from './support/amqp-raw.js';
import { readKafkaTopic } from './support/kafka-raw.js';
import { AMQP_URL, eventually, gate, requireRabbitMq, unique } from './support/services.js';
import { Probe, probeEvent, startConsumer } from './support/test-events.js';

const run = promisify(execFile);
const serializer = new EventSerializer(new IntegrationEventRegistry());
const maxAttempts = 2;

/** The transports, recording what became of each message they consumed. */
class ObservedKafkaConsumer extends KafkaEventConsumer {
  readonly outcomes: ConsumeOutcome[] = [];
  protected override async consume(message: ConsumedMessage, deadLetter: DeadLetterRoute): Promise<ConsumeOutcome> {
    const outcome = await super.consume(message, deadLetter);
    this.outcomes.push(outcome);
    return outcome;
  }
}
class ObservedAmqpConsumer extends AmqpEventConsumer {
  readonly outcomes: ConsumeOutcome[] = [];
  protected override async consume(message: ConsumedMessage, deadLetter: DeadLetterRoute): Promise<ConsumeOutcome> {
    const outcome = await super.consume(message, deadLetter);
    this.outcomes.push(outcome);
    return outcome;
  }
}
const handedBack = (outcomes: ConsumeOutcome[]) => outcomes.some((outcome) => outcome.status === 'requeue' && /could not dead-letter/.test(outcome.reason));

describe('a dead letter while the Kafka broker is down', () => {
  const kafkaScript = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
  const port = 20_000 + Math.floor(Math.random() * 5_000) * 2;
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
  const brokers = [`127.0.0.1:${port}`];
  const kafka = async (command: 'start' | 'stop', extraEnv: Record<string, string> = {}) => {
    try {
      await run(kafkaScript, [command], { env: { ...env, ...extraEnv } });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`scripts/kafka.sh ${command} on port ${port} failed: ${stderr || stdout || (error as Error).message}`);
    }
  };

  beforeAll(async () => {
    await kafka('start');
  }, 180_000);
  afterAll(async () => {
    await kafka('stop').catch(() => undefined);
  }, 60_000);

  it('gives up the dead-letter publish within its bound, does not commit the offset (the message is read again), and dead-letters it once the broker is back', { timeout: 240_000 }, async () => {
    const topic = unique('dlt-broker-down');
    const broker = new KafkaMessageBroker({ client: { brokers } });
    const probe = new Probe();
    const held = gate();
    probe.gate = held.promise;
    let app: INestMicroservice | undefined;
    try {
      // Heartbeats far apart: a broker shutting down answers them with NOT_COORDINATOR, which would (rightly) make the
      // consumer leave the message unresolved before it is dead-lettered; this test is about the dead-letter publish.
      const consumer = new ObservedKafkaConsumer({
        client: { brokers, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 } },
        groupId: unique('dlt-broker-down'),
        topics: [topic],
        publishTimeoutMs: 5_000,
        consumer: { sessionTimeout: 90_000, heartbeatInterval: 30_000 },
      });
      app = await startConsumer(consumer, probe, { name: 'dlt-broker-down', retry: { maxAttempts, initialDelayMs: 10 } });
      // Held at its first attempt (so the broker can go down meanwhile), then failing every attempt.
      const poison = probeEvent(topic, { key: 'room', seq: 1, block: true });
      probe.work = async (event) => {
        if (event.eventId === poison.eventId) throw new Error('the room is on fire');
      };
      const next = probeEvent(topic, { key: 'room', seq: 2 });
      await broker.publish([serializer.toMessage(poison), serializer.toMessage(next)]);
      await broker.close();
      await eventually(() => probe.attempts.length === 1, 'the poison message is being handled');

      await kafka('stop');
      held.open(); // it fails its attempts while the broker is down
      await eventually(() => handedBack(consumer.outcomes), 'the dead-letter publish gave up within its bound', 60_000);
      expect(probe.attempts.filter((attempt) => attempt.eventId === poison.eventId)).toHaveLength(maxAttempts);

      await kafka('start', { KAFKA_KEEP_DATA: '1' });
      await eventually(() => probe.handled.some((handled) => handled.eventId === next.eventId), 'the message behind it was handled after the broker came back', 120_000);
      // Not acknowledged the first time: it was read again and gave up again, then its dead letter was published.
      expect(probe.attempts.filter((attempt) => attempt.eventId === poison.eventId)).toHaveLength(2 * maxAttempts);
      const deadLetters = await readKafkaTopic(`${topic}.DLT`, 1, brokers);
      expect(deadLetters.map((message) => JSON.parse(message.value!.toString()).event_id)).toEqual([poison.eventId]);
      expect(probe.handled.map((handled) => handled.eventId)).toEqual([next.eventId]);
    } finally {
      held.open();
      await app?.close();
    }
  });
});

describe('a dead letter while RabbitMQ is unreachable', () => {
  const vhost = unique('cqrs-dlq-down');
  const user = new URL(AMQP_URL).username || 'guest';
  const rabbitmqctl = async (...args: string[]) => {
    try {
      await run('rabbitmqctl', args);
    } catch (error) {
      throw new Error(`rabbitmqctl ${args.join(' ')} failed (${(error as Error).message}): these tests need rabbitmqctl on PATH and the right to manage the local node.`);
    }
  };
  let url: string;

  beforeAll(async () => {
    await requireRabbitMq();
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
    const parsed = new URL(AMQP_URL);
    parsed.pathname = `/${encodeURIComponent(vhost)}`;
    url = parsed.toString();
  });
  afterAll(async () => {
    await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
  });

  it('gives up the confirmed dead-letter publish within its bound, does not ack, and dead-letters the message once the broker is reachable again', { timeout: 120_000 }, async () => {
    const topic = unique('dlq-broker-down');
    const queue = unique('dlq-broker-down');
    const exchange = unique('dlq-broker-down');
    const probe = new Probe();
    const held = gate();
    probe.gate = held.promise;
    let app: INestMicroservice | undefined;
    const broker = new AmqpMessageBroker({ url, exchange });
    try {
      const consumer = new ObservedAmqpConsumer({ url, queue, exchange, routingKeys: [topic], publishTimeoutMs: 2_000 });
      app = await startConsumer(consumer, probe, { name: 'dlq-broker-down', retry: { maxAttempts, initialDelayMs: 10 } });
      // Held at its first attempt (so the broker can go down meanwhile), then failing every attempt.
      const poison = probeEvent(topic, { key: 'room', seq: 1, block: true });
      probe.work = async (event) => {
        if (event.eventId === poison.eventId) throw new Error('the room is on fire');
      };
      const next = probeEvent(topic, { key: 'room', seq: 2 });
      await broker.publish([serializer.toMessage(poison), serializer.toMessage(next)]);
      await broker.close();
      await eventually(() => probe.attempts.length === 1, 'the poison message is being handled');

      // The broker becomes unreachable for this consumer: its connection is dropped and reconnecting is refused.
      await rabbitmqctl('clear_permissions', '-p', vhost, user);
      await rabbitmqctl('close_all_connections', '--vhost', vhost, 'test: broker unreachable');
      await firstValueFrom(consumer.status.pipe(filter((status) => status === 'disconnected')));
      held.open();
      await eventually(() => handedBack(consumer.outcomes), 'the dead-letter publish gave up within its bound');
      expect(probe.attempts.filter((attempt) => attempt.eventId === poison.eventId)).toHaveLength(maxAttempts);

      await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
      await eventually(() => probe.handled.some((handled) => handled.eventId === next.eventId), 'the message behind it was handled after the broker came back');
      expect(probe.attempts.filter((attempt) => attempt.eventId === poison.eventId)).toHaveLength(2 * maxAttempts);
      const deadLetters = await readQueue(`${queue}.dlq`, 1, url);
      expect(deadLetters.map((message) => message.properties.messageId)).toEqual([poison.eventId]);
      expect(probe.handled.map((handled) => handled.eventId)).toEqual([next.eventId]);
    } finally {
      held.open();
      await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*').catch(() => undefined);
      await app?.close();
    }
  });
});
