import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { requireOptionalPeer } from '../../optional-peer.js';
import { DEAD_LETTER_TOPIC_SUFFIX, DeadLetterHeaders, type DeadLetterRoute } from '../../consumers/dead-letter.js';
import { BrokerEventConsumer } from '../../consumers/transport/broker-event-consumer.server.js';
import { withTimeout } from '../../retry/with-timeout.js';
import { DEFAULT_KAFKA_PUBLISH_TIMEOUT_MS, KAFKA_CLIENT_DEFAULTS, KAFKA_CONSUMER_DEFAULTS, KAFKA_PRODUCER_RETRY, kafkaConfigFromUrl } from './kafka-client-config.js';
import type { KafkaEventConsumerOptions } from './kafka-event-consumer-options.interface.js';
import { decodeKafkaHeaders } from './kafka-headers.js';

/**
 * A Nest microservice transport that feeds Kafka events to the app's
 * `EventConsumerPipeline`. A custom strategy rather than Nest's `ServerKafka`,
 * because that one resolves offsets whatever the handler did and has no
 * bounded retry or dead-letter topic.
 *
 * Guarantees: each partition is handled in order; an offset is committed only
 * after the message's handlers finished (or it was dead-lettered), so a crash
 * redelivers instead of losing; a failing handler is retried with backoff and
 * then the message goes to `<topic>.DLT` with `x-dead-letter-reason` and
 * `x-delivery-attempts`; malformed messages go there at once. A bad message
 * never stops the consumer. During an outage of what the handlers need the
 * partition waits on its message (heartbeating, so the group keeps it); a
 * message handed back (`requeue`) is read again from its offset.
 *
 * With `metrics` on it reports `cqrs_broker_consumer_lag{consumer,topic,partition}`
 * from what each fetch tells (no extra request): before each message, the
 * messages from it to the partition's high watermark of that fetch
 * (`highWatermark - offset`, the message in hand included); once a batch is
 * done, what is left after it (kafkajs's `offsetLag`), so a consumer that
 * caught up reads 0 and keeps it while there is nothing to fetch (kafkajs
 * reports nothing then). A partition shows from its first batch; messages
 * produced after a fetch count from the next one. A partition the group
 * takes away, or a closed consumer, drops its series.
 *
 * @example
 * const app = await NestFactory.create(AppModule); // imports EventConsumerModule.forRoot({ name })
 * app.connectMicroservice({ strategy: new KafkaEventConsumer({ client: { brokers: ['kafka:9092'] }, groupId: 'meeting-notifications' }) });
 * await app.startAllMicroservices();
 * @publicApi
 */
export class KafkaEventConsumer extends BrokerEventConsumer {
  private readonly kafka: Kafka;
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly publishTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  /** Partitions whose lag was reported (`topic`, `partition` by `topic\0partition`): dropped when the group takes them away or the consumer closes. */
  private readonly lagged = new Map<string, { readonly topic: string; readonly partition: number }>();

  constructor(private readonly options: KafkaEventConsumerOptions) {
    super(options.topics);
    const { Kafka } = requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'KafkaEventConsumer');
    this.kafka = new Kafka({ ...KAFKA_CLIENT_DEFAULTS, ...options.client });
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_KAFKA_PUBLISH_TIMEOUT_MS;
    this.heartbeatIntervalMs = options.consumer?.heartbeatInterval ?? KAFKA_CONSUMER_DEFAULTS.heartbeatInterval;
  }

  /** A consumer for a `kafka://host:port[,host:port]` URL (SASL and SSL from the URL). */
  static fromUrl(url: string, options: Omit<KafkaEventConsumerOptions, 'client'>): KafkaEventConsumer {
    return new KafkaEventConsumer({ ...options, client: kafkaConfigFromUrl(url) });
  }

  protected override get consumerGroup(): string {
    return this.options.groupId;
  }

  protected async connect(topics: string[]): Promise<void> {
    // Bounded like the relay's producer: a dead-letter publish during an outage fails within publishTimeoutMs.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: KAFKA_PRODUCER_RETRY, createPartitioner: requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'KafkaEventConsumer').Partitioners.DefaultPartitioner });
    this.consumer = this.kafka.consumer({ ...KAFKA_CONSUMER_DEFAULTS, ...this.options.consumer, groupId: this.options.groupId });
    this.consumer.on(this.consumer.events.CONNECT, () => this.setStatus('connected'));
    this.consumer.on(this.consumer.events.DISCONNECT, () => this.setStatus('disconnected'));
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) =>
      this.log.error(`group ${this.options.groupId} crashed (${payload.error?.message}); restart: ${payload.restart}`),
    );
    if (this.reportsLag) {
      // A batch of only control records or aborted messages never reaches eachBatch: kafkajs resolves it and says what is left.
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) this.partitionLag(payload.topic, payload.partition, Number(payload.offsetLag));
      });
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => this.forgetLag(payload.memberAssignment));
    }
    if (this.options.createTopics ?? true) await this.createTopics(topics);
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: true,
      // Only offsets we resolved (handled or dead-lettered) are ever committed.
      eachBatchAutoResolve: false,
      autoCommitThreshold: this.options.commitEvery ?? 100,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.log.log(`group ${this.options.groupId} reading ${topics.join(', ')}`);
  }

  protected async disconnect(): Promise<void> {
    // disconnect waits for the batch in progress, which returns as soon as retries see the abort.
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = this.producer = undefined;
    this.forgetLag({});
  }

  protected client(): Consumer | undefined {
    return this.consumer;
  }

  /** Subscribing to a topic that does not exist yet fails: create it (and its dead-letter topic) with the broker's defaults. */
  private async createTopics(topics: string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...new Set([...topics, ...topics.map((topic) => this.deadLetterTopicOf(topic))])].filter((topic) => !existing.has(topic));
      if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  private deadLetterTopicOf(topic: string): string {
    return this.options.deadLetterTopic?.(topic) ?? topic + DEAD_LETTER_TOPIC_SUFFIX;
  }

  /** Reports the lag of one partition, remembering it so it can be dropped. */
  private partitionLag(topic: string, partition: number, lag: number): void {
    const key = `${topic}\u0000${partition}`;
    if (!this.lagged.has(key)) this.lagged.set(key, { topic, partition });
    this.reportLag(topic, partition, lag);
  }

  /** Drops the lag of the partitions not in `assignment` (a rebalance took them; `{}`: every one). */
  private forgetLag(assignment: Readonly<Record<string, readonly number[]>>): void {
    for (const [key, { topic, partition }] of this.lagged) {
      if (assignment[topic]?.includes(partition)) continue;
      this.lagged.delete(key);
      this.reportLag(topic, partition, undefined);
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const signal = this.stopSignal;
    // The high watermark this fetch saw: what is behind it is the lag (messages produced since count from the next fetch).
    const highWatermark = this.reportsLag ? Number(batch.highWatermark) : undefined;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || signal.aborted) return;
      if (highWatermark !== undefined) this.partitionLag(batch.topic, batch.partition, highWatermark - Number(message.offset));
      const outcome = await this.withHeartbeats(heartbeat, (lost, beat) =>
        this.consume(
          { topic: batch.topic, body: message.value ?? Buffer.alloc(0), headers: decodeKafkaHeaders(message.headers), key: message.key?.toString('utf8'), signal: lost, beforeRetry: beat },
          this.deadLetterRoute(batch.topic, batch.partition, message),
        ),
      );
      // Stopping, or the partition is being taken away: leave it unresolved, so the group delivers it again.
      if (outcome.status === 'stopped') return;
      if (outcome.status === 'requeue') {
        // Read the partition again from this message (later messages of the batch wait, order is kept).
        this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: message.offset });
        return;
      }
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
    // The whole batch is done: what is left is behind its last offset (control records after the last message included).
    // Not for a partition a rebalance took meanwhile: its series was dropped and is the new owner's to report.
    if (highWatermark !== undefined && !isStale()) this.partitionLag(batch.topic, batch.partition, Number(batch.offsetLag()));
  }

  /**
   * Runs `work` while heartbeating the group every `heartbeatInterval`, so a
   * slow handler or an outage wait does not cost the partition. `lost` is
   * aborted when a heartbeat says the group is rebalancing (or forgot this
   * member): the message is then left unresolved for whoever gets the partition.
   */
  private async withHeartbeats<T>(heartbeat: () => Promise<void>, work: (lost: AbortSignal, beat: () => Promise<void>) => Promise<T>): Promise<T> {
    const lost = new AbortController();
    const beat = async () => {
      try {
        await heartbeat();
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'NOT_COORDINATOR_FOR_GROUP') {
          if (!lost.signal.aborted) this.log.warn(`group ${this.options.groupId} is rebalancing (${type}); leaving the message in progress to be read again`);
          lost.abort();
        }
        // Other heartbeat errors (broker unreachable): the next beat tries again; kafkajs's fetch loop handles the connection.
      }
    };
    const timer = setInterval(() => void beat(), this.heartbeatIntervalMs);
    try {
      return await work(lost.signal, beat);
    } finally {
      clearInterval(timer);
    }
  }

  private deadLetterRoute(topic: string, partition: number, message: KafkaMessage): DeadLetterRoute {
    const destination = this.deadLetterTopicOf(topic);
    return {
      origin: `${topic}[${partition}]@${message.offset}`,
      destination,
      originHeaders: {
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.originalPartition]: String(partition),
        [DeadLetterHeaders.originalOffset]: message.offset,
      },
      // Bounded: a rejection (broker down) hands the message back unresolved; the partition reads it again, nothing is lost.
      publish: async (headers) =>
        void (await withTimeout(
          this.producer!.send({ topic: destination, acks: -1, messages: [{ key: message.key, value: message.value, headers }] }),
          this.publishTimeoutMs,
          () => `Kafka dead-letter publish to ${destination} not acknowledged within ${this.publishTimeoutMs} ms`,
        )),
    };
  }
}
