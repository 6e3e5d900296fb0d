import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { withTimeout } from '../../retry/with-timeout.js';

/** One message read by {@link readTopicsToEnd}, with where it was. */
export interface ReadKafkaMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Reads every message of `topics` from the start of each partition up to its
 * end as it was when the call began (later messages are left alone), in
 * offset order per partition. Topics that do not exist read as empty.
 *
 * kafkajs only reads through a consumer group: this one's id is random, it
 * commits nothing and is deleted afterwards, so no real group (the
 * consumers', a replay's) is touched. Bounded by `timeoutMs`.
 */
export async function readTopicsToEnd(kafka: Kafka, admin: Admin, topics: readonly string[], timeoutMs: number): Promise<ReadKafkaMessage[]> {
  const existing = new Set(await admin.listTopics());
  const ends = new Map<string, bigint>();
  for (const topic of topics.filter((name) => existing.has(name))) {
    for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) ends.set(`${topic}/${partition}`, BigInt(high));
    }
  }
  if (!ends.size) return [];

  const groupId = `cqrs-broker-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false, retry: { retries: 3 } });
  const read: ReadKafkaMessage[] = [];
  const remaining = new Set(ends.keys());
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set([...ends.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const end = ends.get(id);
        if (end === undefined || !remaining.has(id)) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < end) read.push({ topic: batch.topic, partition: batch.partition, message });
          if (offset + 1n >= end) {
            remaining.delete(id);
            if (!remaining.size) finished();
            return;
          }
        }
      },
    });
    await withTimeout(done, timeoutMs, () => `Reading ${topics.join(', ')} to the end took longer than ${timeoutMs} ms`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return read;
}
