import type { CustomTransportStrategy } from '@nestjs/microservices';
import { InMemoryEventConsumer, InMemoryMessageBroker, parseBrokerUrl, type MessageBroker } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer, AmqpMessageBroker, type AmqpTopology } from 'nestjs-cqrs-broker/amqp';
import { KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import type { HealthCheckedConsumer } from 'nestjs-cqrs-broker/health';

// Shared by the sample apps. Adapters are chosen here, in the apps, so the library's core never imports kafkajs or amqp.

/** Whether BROKER_URL names the in-process broker (unset counts as `memory://`, the default). */
export const isInMemoryBroker = (url: string | undefined): boolean => !url || parseBrokerUrl(url).kind === 'memory';

/** Settings of the broker BROKER_URL names that are not in the URL. */
export interface BrokerSettings {
  /** RabbitMQ: which topology to declare (AMQP_TOPOLOGY). */
  readonly amqpTopology?: AmqpTopology;
}

/** The producer for BROKER_URL: `memory://`, `kafka://…` or `amqp://…`. */
export function createMessageBroker(url: string, settings: BrokerSettings = {}): MessageBroker {
  const parsed = parseBrokerUrl(url);
  switch (parsed.kind) {
    case 'memory':
      return new InMemoryMessageBroker();
    case 'kafka':
      return KafkaMessageBroker.fromUrl(url);
    case 'amqp':
      return AmqpMessageBroker.fromUrl(url, { topology: settings.amqpTopology });
  }
}

/**
 * The microservice transport that consumes BROKER_URL (on `memory://`, the
 * app's own in-memory broker). `group` is the Kafka consumer group or the
 * RabbitMQ queue (in the python-cqrs topology, the base of the dead-letter
 * names: the queues are the topics'): instances of one service share it.
 */
export function createConsumerTransport(url: string, group: string, settings: BrokerSettings = {}): CustomTransportStrategy & HealthCheckedConsumer {
  const parsed = parseBrokerUrl(url);
  switch (parsed.kind) {
    case 'memory':
      return new InMemoryEventConsumer();
    case 'kafka':
      return KafkaEventConsumer.fromUrl(url, { groupId: group });
    case 'amqp':
      return AmqpEventConsumer.fromUrl(url, { queue: group, connectionName: group, topology: settings.amqpTopology });
  }
}
