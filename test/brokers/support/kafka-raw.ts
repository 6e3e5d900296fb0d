// Plain kafkajs clients: what a service without this library sees of our messages.
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { KAFKA_BROKERS, eventually, unique } from './services.js';

export const rawKafka = (brokers: readonly string[] = KAFKA_BROKERS) => new Kafka({ clientId: 'raw-test-client', brokers: [...brokers], logLevel: logLevel.NOTHING });

export type RawKafkaMessage = KafkaMessage & {
  readonly topic: string;
  readonly partition: number;
  headerText(name: string): string | undefined;
};

/** Reads `count` messages of `topic` from the beginning with a raw kafkajs consumer. */
export async function readKafkaTopic(topic: string, count: number, brokers?: readonly string[]): Promise<RawKafkaMessage[]> {
  const consumer = rawKafka(brokers).consumer({ groupId: unique('raw-reader') });
  const messages: RawKafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, partition, message }) => {
        messages.push({
          ...message,
          topic: from,
          partition,
          headerText: (name) => message.headers?.[name]?.toString(),
        });
      },
    });
    await eventually(() => messages.length >= count, `${count} message(s) arrived on ${topic} (got ${messages.length})`);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** The committed offset of a consumer group on one partition (-1 when none). */
export async function committedOffset(groupId: string, topic: string, partition: number): Promise<number> {
  const admin = rawKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(entry.partitions.find((p) => p.partition === partition)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}
