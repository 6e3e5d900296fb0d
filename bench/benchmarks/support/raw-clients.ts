// The raw clients the relay is compared with: the same client library the
// broker classes use, driven directly, publishing one batch at a time.
import amqplib from 'amqplib';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { BrokerMessage } from 'nestjs-cqrs-broker';
import { AMQP_URL, KAFKA_BROKERS } from './services.js';

/** amqplib on a confirm channel: a batch is sent, then its confirms are awaited together. */
export class RawAmqpPublisher {
  private constructor(
    private readonly connection: amqplib.ChannelModel,
    private readonly channel: amqplib.ConfirmChannel,
    private readonly exchange: string,
  ) {}

  static async open(exchange: string): Promise<RawAmqpPublisher> {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    return new RawAmqpPublisher(connection, channel, exchange);
  }

  async publishBatch(messages: readonly BrokerMessage[]): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
    for (const m of messages) {
      this.channel.publish(this.exchange, m.topic, m.body, {
        persistent: true,
        messageId: m.eventId,
        type: m.eventName,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        correlationId: m.headers['correlation-id'],
        timestamp,
        headers: m.key === undefined ? m.headers : { ...m.headers, key: m.key },
      });
    }
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/** A durable queue bound to the exchange, so published messages are stored (as in production), and purged between runs. */
export class AmqpSink {
  private constructor(
    private readonly connection: amqplib.ChannelModel,
    private readonly channel: amqplib.Channel,
    readonly exchange: string,
    readonly queue: string,
  ) {}

  static async open(exchange: string, queue: string, routingKey = '#'): Promise<AmqpSink> {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, routingKey);
    return new AmqpSink(connection, channel, exchange, queue);
  }

  async purge(): Promise<number> {
    return (await this.channel.purgeQueue(this.queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.channel.deleteExchange(this.exchange).catch(() => undefined);
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

export function kafkaClient(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

/** kafkajs with its defaults, every batch one `sendBatch` with acks from all in-sync replicas. */
export class RawKafkaPublisher {
  private constructor(private readonly producer: Producer) {}

  static async open(): Promise<RawKafkaPublisher> {
    const producer = kafkaClient('bench-raw').producer();
    await producer.connect();
    return new RawKafkaPublisher(producer);
  }

  async publishBatch(messages: readonly BrokerMessage[]): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: messages[0].topic, messages: messages.map((m) => ({ key: m.key ?? null, value: m.body, headers: { ...m.headers } })) }],
    });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

export async function createKafkaTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafkaClient('bench-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteKafkaTopic(topic: string): Promise<void> {
  const admin = kafkaClient('bench-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
