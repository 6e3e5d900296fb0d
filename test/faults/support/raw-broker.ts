// Talking to the broker past the library: messages injected straight into
// the consumer's queue/topic, and the dead letters read back.
import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { kafkaClient, type Services } from './services.js';
import { TOPIC } from './stack.js';

export interface RawMessage {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

/** Publishes raw bodies to the sample's topic: the RabbitMQ exchange `cqrs.events` (routing key = topic) or the Kafka topic. */
export async function injectRaw(services: Services, messages: readonly RawMessage[]): Promise<void> {
  if (services.broker === 'rabbitmq') {
    const connection = await amqplib.connect(services.brokerUrl);
    try {
      const channel = await connection.createConfirmChannel();
      for (const message of messages) channel.publish('cqrs.events', TOPIC, message.body, { persistent: true, headers: message.headers });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    return;
  }
  const producer = kafkaClient().producer();
  await producer.connect();
  try {
    for (const message of messages) await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'raw', value: message.body, headers: message.headers }] });
  } finally {
    await producer.disconnect();
  }
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Reads the consumer's dead letters (RabbitMQ `<queue>.dlq`, Kafka `<topic>.DLT`) until `count` arrived or `timeoutMs` passed. */
export async function readDeadLetters(services: Services, count: number, timeoutMs = 60_000): Promise<RawMessage[]> {
  const deadline = Date.now() + timeoutMs;
  const found: RawMessage[] = [];
  if (services.broker === 'rabbitmq') {
    const connection = await amqplib.connect(services.brokerUrl);
    try {
      const channel = await connection.createChannel();
      const queue = `${services.consumerGroup}.dlq`;
      while (found.length < count && Date.now() < deadline) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) {
          await sleep(250);
          continue;
        }
        found.push({ body: message.content, headers: Object.fromEntries(Object.entries(message.properties.headers ?? {}).map(([k, v]) => [k, text(v)])) });
        // Left in the queue (nack + requeue happens on close), so a human can look at it after the run.
      }
    } finally {
      await connection.close();
    }
    return found;
  }
  const consumer = kafkaClient().consumer({ groupId: `faults-dlt-reader-${Date.now()}`, maxBytesPerPartition: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${TOPIC}.DLT`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        found.push({ body: message.value ?? Buffer.alloc(0), headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, text(v)])) });
      },
    });
    while (found.length < count && Date.now() < deadline) await sleep(250);
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/**
 * How many dead letters the consumer's dead-letter queue/topic holds, read raw: RabbitMQ `<queue>.dlq`'s
 * message count (`checkQueue`; nothing consumes it), Kafka the sum over the partitions of
 * `<topic>.DLT` of high − low watermark. A queue or topic that does not exist holds none.
 */
export async function countDeadLetters(services: Services): Promise<number> {
  if (services.broker === 'rabbitmq') {
    const connection = await amqplib.connect(services.brokerUrl);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        return (await channel.checkQueue(`${services.consumerGroup}.dlq`)).messageCount;
      } catch (error) {
        if (/NOT_FOUND|404/.test((error as Error).message)) return 0;
        throw error;
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const topic = `${TOPIC}.DLT`;
    if (!(await admin.listTopics()).includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
