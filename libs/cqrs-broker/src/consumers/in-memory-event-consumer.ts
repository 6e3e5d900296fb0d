import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { InMemoryMessageBroker } from '../brokers/in-memory-message-broker.js';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { IntegrationEventRegistry } from '../events/integration-event-registry.js';
import type { ConsumeOutcome } from './consumed-message.js';
import { deadLetterHeaders, DeadLetterHeaders } from './dead-letter-headers.js';
import type { EventConsumerModuleOptions } from './event-consumer-options.interface.js';
import { EventConsumerPipeline } from './event-consumer-pipeline.js';
import { EVENT_CONSUMER_OPTIONS } from './event-consumer.module-definition.js';

/** Suffix of dead-letter topics (Kafka convention, used by the in-memory consumer too). @publicApi */
export const DEAD_LETTER_TOPIC_SUFFIX = '.DLT';

/**
 * Feeds the events of an `InMemoryMessageBroker` to the consumer pipeline, so
 * one process can produce and consume with the same handlers, retries and
 * dead letters it would have with Kafka or RabbitMQ. Active when
 * `EventConsumerModule.forRoot({ inMemory: true })`.
 * @publicApi
 */
@Injectable()
export class InMemoryEventConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventConsumer');
  private readonly stopping = new AbortController();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly pipeline: EventConsumerPipeline,
    private readonly registry: IntegrationEventRegistry,
    @Inject(MESSAGE_BROKER) private readonly broker: MessageBroker,
    @Inject(EVENT_CONSUMER_OPTIONS) private readonly options: EventConsumerModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.inMemory) return;
    if (!(this.broker instanceof InMemoryMessageBroker)) {
      throw new Error(
        'EventConsumerModule.forRoot({ inMemory: true }) needs an InMemoryMessageBroker as the CqrsBrokerModule broker; ' +
          'with Kafka or RabbitMQ, connect KafkaEventConsumer or AmqpEventConsumer as a microservice instead.',
      );
    }
    const broker = this.broker;
    const topics = this.options.topics ?? this.registry.topics();
    for (const topic of topics) {
      this.unsubscribes.push(broker.subscribe(topic, async (message) => void (await this.consume(broker, message))));
    }
    this.logger.log(`${this.pipeline.consumerName}: consuming in-memory topics ${topics.join(', ') || '(none)'}`);
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** Consumes one message; resolves with what was done with it. */
  async consume(broker: InMemoryMessageBroker, message: BrokerMessage): Promise<ConsumeOutcome> {
    const outcome = await this.pipeline.consume({
      topic: message.topic,
      body: message.body,
      headers: message.headers,
      key: message.key,
      signal: this.stopping.signal,
    });
    if (outcome.status === 'dead-letter') {
      await broker.publish([
        {
          ...message,
          topic: message.topic + DEAD_LETTER_TOPIC_SUFFIX,
          headers: deadLetterHeaders(
            message.headers,
            { reason: outcome.reason, attempts: outcome.attempts, consumer: this.pipeline.consumerName },
            { [DeadLetterHeaders.originalTopic]: message.topic },
          ),
        },
      ]);
    }
    return outcome;
  }
}
