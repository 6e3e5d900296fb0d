import { Logger } from '@nestjs/common';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import { requireOptionalPeer } from '../../optional-peer.js';
import type { BrokerMessage } from '../broker-message.js';
import type { BrokerConnectionStatus, MessageBroker } from '../message-broker.interface.js';
import { DEFAULT_KAFKA_PUBLISH_TIMEOUT_MS, KAFKA_CLIENT_DEFAULTS, KAFKA_PRODUCER_RETRY, kafkaConfigFromUrl } from './kafka-client-config.js';
import type { KafkaMessageBrokerOptions } from './kafka-message-broker-options.interface.js';
import { withTimeout } from '../../retry/with-timeout.js';

/**
 * Publishes events to Kafka with an idempotent producer: `acks: -1` (all
 * in-sync replicas), a whole `publish` batch in one `sendBatch`, the event's
 * key as the message key (one aggregate's events stay in one partition, in
 * order) and the event's headers (`event-id`, `event-name`, `content-type`,
 * `correlation-id`, `traceparent`, …) as Kafka headers.
 *
 * @example
 * CqrsBrokerModule.forRoot({
 *   broker: new KafkaMessageBroker({ client: { brokers: ['kafka:9092'], sasl: { mechanism: 'scram-sha-512', username, password }, ssl: true } }),
 * });
 * @publicApi
 */
export class KafkaMessageBroker implements MessageBroker {
  private readonly logger = new Logger(KafkaMessageBroker.name);
  private readonly producer: Producer;
  private readonly publishTimeoutMs: number;
  private connecting?: Promise<void>;
  private status: BrokerConnectionStatus = 'idle';

  constructor(private readonly options: KafkaMessageBrokerOptions) {
    const { Kafka, Partitioners } = requireOptionalPeer<typeof import('kafkajs')>('kafkajs', 'KafkaMessageBroker');
    const kafka = new Kafka({ ...KAFKA_CLIENT_DEFAULTS, ...options.client });
    this.producer = kafka.producer({
      maxInFlightRequests: 1,
      retry: KAFKA_PRODUCER_RETRY,
      createPartitioner: Partitioners.DefaultPartitioner,
      ...options.producer,
      idempotent: true,
    });
    this.publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_KAFKA_PUBLISH_TIMEOUT_MS;
    this.producer.on(this.producer.events.CONNECT, () => this.setStatus('connected'));
    this.producer.on(this.producer.events.DISCONNECT, () => this.setStatus('disconnected'));
  }

  /** A broker for a `kafka://host:port[,host:port]` URL (SASL and SSL from the URL). */
  static fromUrl(url: string, options: Omit<KafkaMessageBrokerOptions, 'client'> & { client?: Partial<KafkaMessageBrokerOptions['client']> } = {}): KafkaMessageBroker {
    return new KafkaMessageBroker({ ...options, client: kafkaConfigFromUrl(url, options.client) });
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    if (!messages.length) return;
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      let topicMessages = byTopic.get(message.topic);
      if (!topicMessages) byTopic.set(message.topic, (topicMessages = []));
      topicMessages.push({ key: message.key ?? null, value: message.body, headers: { ...message.headers } });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, batch]) => ({ topic, messages: batch }));
    try {
      await withTimeout(
        (async () => {
          await this.connect();
          await this.producer.sendBatch({ acks: -1, compression: this.options.compression, topicMessages });
        })(),
        this.publishTimeoutMs,
        () => `Kafka publish of ${messages.length} message(s) not acknowledged within ${this.publishTimeoutMs} ms`,
      );
      this.setStatus('connected');
    } catch (error) {
      this.setStatus('disconnected');
      throw error;
    }
  }

  /**
   * kafkajs keeps no live connection state for a producer: `idle` until the
   * first publish connects, `connected` after a connect or an acknowledged
   * publish, `disconnected` after a failed publish (until one succeeds) or a
   * disconnect, `closed` after `close()`.
   */
  connectionStatus(): BrokerConnectionStatus {
    return this.status;
  }

  async close(): Promise<void> {
    this.status = 'closed';
    if (!this.connecting) return;
    this.connecting = undefined;
    await this.producer.disconnect();
  }

  private setStatus(status: BrokerConnectionStatus): void {
    if (this.status !== 'closed') this.status = status;
  }

  private connect(): Promise<void> {
    // One connect shared by concurrent publishes; forgotten on failure so the next publish tries again.
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      this.logger.warn(`Kafka producer could not connect: ${(error as Error).message}`);
      throw error;
    });
    return this.connecting;
  }
}
