import type { Admin, IHeaders, Kafka, Producer } from 'kafkajs';
import { requireOptionalPeer } from '../../optional-peer.js';
import { DEAD_LETTER_TOPIC_SUFFIX, DeadLetterHeaders } from '../../consumers/dead-letter.js';
import {
  describeDeadLetter,
  matchesDeadLetter,
  replayHeaders,
  ReplayHeaders,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterStore,
  type RequeueResult,
} from '../../consumers/dead-letter-store.js';
import { DeadLetterReplayException } from '../../errors/dead-letter-replay.exception.js';
import { DEAD_LETTER_SOURCE_MISSING, REQUEUE_NOT_ACCEPTED } from '../../errors/messages.js';
import { withTimeout } from '../../retry/with-timeout.js';
import { KAFKA_CLIENT_DEFAULTS, kafkaConfigFromUrl } from './kafka-client-config.js';
import type { KafkaDeadLetterStoreOptions } from './kafka-dead-letter-store-options.interface.js';
import { readTopicsToEnd, type ReadKafkaMessage } from './kafka-topic-reader.js';
import { decodeKafkaHeaders } from './kafka-headers.js';

const DEFAULT_TIMEOUT_MS = 30_000;
/** Bounded like the relay's producer: a send that cannot succeed fails the requeue instead of retrying forever. */
const PRODUCER_RETRY = { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 };

/** A dead letter plus where the replay log keys it. */
interface KafkaDeadLetter extends DeadLetter {
  readonly logKey: string;
  readonly messageKey: Buffer | null;
}

/**
 * The {@link DeadLetterStore} of a `KafkaEventConsumer`'s topic: reads
 * `<topic>.DLT` and requeues to the dead letter's `x-original-topic` (else
 * `topic`) with the original key (so the same partition, in dead-letter
 * order per partition), body and event id.
 *
 * Reading uses a throwaway consumer group that commits nothing and is
 * deleted afterwards: listing disturbs no group and removes nothing (a
 * Kafka topic keeps its messages until retention). Which dead letters were
 * requeued is recorded in a compacted replay log, `<topic>.DLT.replayed`
 * (key `partition:offset`), written right after each requeued message was
 * acknowledged by all in-sync replicas: a later run skips them. A crash
 * between the two sends requeues that one message again on the next run
 * (at least once); the consumer's inbox recognises its event id.
 *
 * @example
 * const store = KafkaDeadLetterStore.fromUrl('kafka://localhost:9092', { topic: 'rooms' });
 * await store.requeue({ reason: /not currently accepting connections/ });
 * await store.close();
 * @publicApi
 */
export class KafkaDeadLetterStore implements DeadLetterStore {
  readonly deadLetterTopic: string;
  readonly replayLogTopic: string;
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private admin?: Admin;
  private producer?: Producer;

  constructor(private readonly options: KafkaDeadLetterStoreOptions) {
    const { Kafka } = requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'KafkaDeadLetterStore');
    this.kafka = new Kafka({ ...KAFKA_CLIENT_DEFAULTS, ...options.client });
    this.deadLetterTopic = options.deadLetterTopic ?? options.topic + DEAD_LETTER_TOPIC_SUFFIX;
    this.replayLogTopic = options.replayLogTopic ?? `${this.deadLetterTopic}.replayed`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** A store for a `kafka://host:port[,host:port]` URL (SASL and SSL from the URL). */
  static fromUrl(url: string, options: Omit<KafkaDeadLetterStoreOptions, 'client'>): KafkaDeadLetterStore {
    return new KafkaDeadLetterStore({ ...options, client: kafkaConfigFromUrl(url) });
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    return (await this.select(filter)).map(({ logKey: _logKey, messageKey: _messageKey, ...deadLetter }) => deadLetter);
  }

  async requeue(filter: DeadLetterFilter = {}): Promise<RequeueResult> {
    const all = await this.read();
    const selected = this.pick(all, { ...filter, includeReplayed: false });
    const pendingCount = all.filter((deadLetter) => deadLetter.replayedAt === undefined).length;
    if (!selected.length) return { requeued: 0, eventIds: [], left: pendingCount };
    await this.ensureReplayLog();
    const producer = await this.connectProducer();
    const eventIds: string[] = [];
    for (const deadLetter of selected) {
      const headers = replayHeaders(deadLetter.headers, { from: this.deadLetterTopic, reason: deadLetter.reason, topic: deadLetter.originalTopic });
      const replayedAt = headers[ReplayHeaders.replayedAt];
      await this.send(producer, deadLetter, deadLetter.requeueTo, [{ key: deadLetter.messageKey, value: deadLetter.body, headers }]);
      await this.send(producer, deadLetter, this.replayLogTopic, [
        { key: deadLetter.logKey, value: JSON.stringify({ eventId: deadLetter.eventId ?? null, topic: deadLetter.requeueTo, replayedAt }) },
      ]);
      if (deadLetter.eventId !== undefined) eventIds.push(deadLetter.eventId);
    }
    return { requeued: selected.length, eventIds, left: pendingCount - selected.length };
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    this.producer = this.admin = undefined;
  }

  private async select(filter: DeadLetterFilter): Promise<KafkaDeadLetter[]> {
    return this.pick(await this.read(), filter);
  }

  private pick(all: readonly KafkaDeadLetter[], filter: DeadLetterFilter): KafkaDeadLetter[] {
    const matching = all.filter((deadLetter) => (filter.includeReplayed || deadLetter.replayedAt === undefined) && matchesDeadLetter(deadLetter, filter));
    return filter.limit === undefined ? matching : matching.slice(0, filter.limit);
  }

  /** Every dead letter (partition, then offset order) with `replayedAt` from the replay log. */
  private async read(): Promise<KafkaDeadLetter[]> {
    const admin = await this.connectAdmin();
    if (!(await admin.listTopics()).includes(this.deadLetterTopic)) {
      throw new DeadLetterReplayException(DEAD_LETTER_SOURCE_MISSING('topic', this.deadLetterTopic));
    }
    const messages = await readTopicsToEnd(this.kafka, admin, [this.deadLetterTopic, this.replayLogTopic], this.timeoutMs);
    const replayed = new Map<string, string>();
    for (const { topic, message } of messages) {
      if (topic !== this.replayLogTopic || !message.key || !message.value) continue;
      try {
        replayed.set(message.key.toString(), String(JSON.parse(message.value.toString()).replayedAt));
      } catch {
        // Not ours: ignore.
      }
    }
    return messages
      .filter(({ topic }) => topic === this.deadLetterTopic)
      .sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)))
      .map((read) => this.toDeadLetter(read, replayed));
  }

  private toDeadLetter({ partition, message }: ReadKafkaMessage, replayed: ReadonlyMap<string, string>): KafkaDeadLetter {
    const headers = decodeKafkaHeaders(message.headers);
    const originalTopic = headers[DeadLetterHeaders.originalTopic];
    const logKey = `${partition}:${message.offset}`;
    const replayedAt = replayed.get(logKey);
    return {
      position: `${this.deadLetterTopic}[${partition}]@${message.offset}`,
      ...describeDeadLetter(headers),
      key: message.key?.toString('utf8'),
      requeueTo: originalTopic ?? this.options.topic,
      originalTopic,
      ...(replayedAt !== undefined && { replayedAt }),
      headers,
      body: message.value ?? Buffer.alloc(0),
      logKey,
      messageKey: message.key,
    };
  }

  private async send(producer: Producer, deadLetter: KafkaDeadLetter, topic: string, messages: { key: Buffer | string | null; value: Buffer | string; headers?: IHeaders }[]): Promise<void> {
    try {
      await withTimeout(producer.send({ topic, acks: -1, messages }), this.timeoutMs, () => `Kafka did not acknowledge the send to ${topic} within ${this.timeoutMs} ms`);
    } catch (error) {
      throw new DeadLetterReplayException(REQUEUE_NOT_ACCEPTED(deadLetter.position, topic, (error as Error).message), { cause: error });
    }
  }

  private async ensureReplayLog(): Promise<void> {
    const admin = await this.connectAdmin();
    if ((await admin.listTopics()).includes(this.replayLogTopic)) return;
    await admin
      .createTopics({ topics: [{ topic: this.replayLogTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true })
      // Another run may have created it meanwhile.
      .catch(async (error: unknown) => {
        if (!(await admin.listTopics()).includes(this.replayLogTopic)) throw error;
      });
  }

  private async connectAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  private async connectProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY, createPartitioner: requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'KafkaDeadLetterStore').Partitioners.DefaultPartitioner });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
