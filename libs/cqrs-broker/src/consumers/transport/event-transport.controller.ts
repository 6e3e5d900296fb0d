import { Controller, Inject, Optional } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MESSAGE_BROKER, type MessageBroker } from '../../brokers/message-broker.interface.js';
import { IntegrationEventRegistry } from '../../events/integration-event-registry.js';
import { CQRS_TRACING, type CqrsTracing } from '../../tracing/cqrs-tracing.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumed-message.js';
import { EventConsumerPipeline } from '../event-consumer-pipeline.js';
import { CONSUME_EVENT_PATTERN, CONSUMER_SETUP_PATTERN, CQRS_BROKER_TRANSPORT } from './event-transport.constants.js';

/** What a transport reads from the app when it starts. */
export interface ConsumerSetup {
  /** The `EventConsumerModule` consumer name. */
  readonly consumerName: string;
  /** Topics of the app's registered integration events (used when the transport names none). */
  readonly topics: string[];
  /** The app's `MESSAGE_BROKER` (the in-memory consumer reads from it). */
  readonly messageBroker: MessageBroker;
  /**
   * Where a transport reports the lag its broker tells it (see
   * `CqrsTracing.consumerLag`); absent when nothing records it (metrics
   * off), and then the transport does not ask its broker.
   */
  readonly reportLag?: ConsumerLagReporter;
}

/** `CqrsTracing.consumerLag` for one consumer: `lag` undefined forgets the value of `topic` / `partition`. */
export type ConsumerLagReporter = (topic: string, partition: number | undefined, lag: number | undefined) => void;

/**
 * The one route from every transport into the app: Nest registers these
 * patterns on the servers whose `transportId` is `CQRS_BROKER_TRANSPORT` (ours
 * only), so each consumer strategy
 * (Kafka, RabbitMQ, in-memory) reaches the DI-managed pipeline the same Nest
 * way, with the microservice's interceptors and filters applied.
 */
@Controller()
export class EventTransportController {
  constructor(
    private readonly pipeline: EventConsumerPipeline,
    private readonly registry: IntegrationEventRegistry,
    @Inject(MESSAGE_BROKER) private readonly messageBroker: MessageBroker,
    @Optional() @Inject(CQRS_TRACING) private readonly tracing: CqrsTracing | null = null,
  ) {}

  @MessagePattern(CONSUME_EVENT_PATTERN, CQRS_BROKER_TRANSPORT)
  consume(@Payload() message: ConsumedMessage): Promise<ConsumeOutcome> {
    return this.pipeline.consume(message);
  }

  @MessagePattern(CONSUMER_SETUP_PATTERN, CQRS_BROKER_TRANSPORT)
  setup(): ConsumerSetup {
    const { consumerName } = this.pipeline;
    const consumerLag = this.tracing?.consumerLag?.bind(this.tracing);
    const reportLag: ConsumerLagReporter | undefined = consumerLag && ((topic, partition, lag) => consumerLag(consumerName, topic, partition, lag));
    return { consumerName, topics: this.registry.topics(), messageBroker: this.messageBroker, reportLag };
  }
}
