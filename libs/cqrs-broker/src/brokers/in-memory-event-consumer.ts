import { ConfigurationException } from '../errors/configuration.exception.js';
import { IN_MEMORY_NEEDS_IN_MEMORY_BROKER } from '../errors/messages.js';
import { DEAD_LETTER_TOPIC_SUFFIX, DeadLetterHeaders } from '../consumers/dead-letter.js';
import { BrokerEventConsumer } from '../consumers/transport/broker-event-consumer.server.js';
import type { ConsumerSetup } from '../consumers/transport/event-transport.controller.js';
import type { BrokerMessage } from './broker-message.js';
import { InMemoryMessageBroker } from './in-memory-message-broker.js';

/**
 * Options of {@link InMemoryEventConsumer}.
 * @publicApi
 */
export interface InMemoryEventConsumerOptions {
  /**
   * Topics to read.
   * @default the topics of the app's registered `@IntegrationEvent` classes
   */
  readonly topics?: readonly string[];
}

/**
 * A Nest microservice transport that feeds the events of the app's
 * `InMemoryMessageBroker` (its `MESSAGE_BROKER`) to the consumer pipeline,
 * so one process produces and consumes with the handlers, retries, dead
 * letters (to `<topic>.DLT` of that broker) and Nest interceptors it would
 * have with Kafka or RabbitMQ: it goes through the same route as they do.
 * A message handed back (`requeue`) is delivered again at once, before the next one.
 *
 * @example
 * const app = await NestFactory.create(AppModule); // imports EventConsumerModule.forRoot({ name })
 * app.connectMicroservice({ strategy: new InMemoryEventConsumer() }, { inheritAppConfig: true });
 * await app.init();
 * await app.startAllMicroservices();
 * @publicApi
 */
export class InMemoryEventConsumer extends BrokerEventConsumer {
  private broker?: InMemoryMessageBroker;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(options: InMemoryEventConsumerOptions = {}) {
    super(options.topics);
  }

  protected async connect(topics: string[], { messageBroker }: ConsumerSetup): Promise<void> {
    if (!(messageBroker instanceof InMemoryMessageBroker)) throw new ConfigurationException(IN_MEMORY_NEEDS_IN_MEMORY_BROKER);
    const broker = (this.broker = messageBroker);
    // A failed dead-letter publish rejects into the broker, which logs it (nothing to acknowledge in memory).
    for (const topic of topics) this.unsubscribes.push(broker.subscribe(topic, (message) => this.handle(broker, message)));
    this.setStatus('connected');
    this.log.log(`consuming in-memory topics ${topics.join(', ')}`);
  }

  protected async disconnect(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.broker = undefined;
  }

  protected client(): InMemoryMessageBroker | undefined {
    return this.broker;
  }

  private async handle(broker: InMemoryMessageBroker, message: BrokerMessage): Promise<void> {
    const deadLetterTopic = message.topic + DEAD_LETTER_TOPIC_SUFFIX;
    const route = {
      origin: `a message of ${message.topic}`,
      destination: deadLetterTopic,
      originHeaders: { [DeadLetterHeaders.originalTopic]: message.topic },
      publish: (headers: Record<string, string>) => broker.publish([{ ...message, topic: deadLetterTopic, headers }]),
    };
    // Handed back (an outage outlasted outage.maxWaitMs): deliver it again at once, ahead of the rest, as its broker would.
    while ((await this.consume({ topic: message.topic, body: message.body, headers: message.headers, key: message.key }, route)).status === 'requeue') {
      if (this.stopSignal.aborted) return;
    }
  }
}
