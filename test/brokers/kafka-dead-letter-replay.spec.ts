import { EventSerializer, IntegrationEventRegistry } from 'nestjs-cqrs-broker';
import { KafkaDeadLetterStore, KafkaEventConsumer, KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { describeDeadLetterReplay } from './support/dead-letter-replay.js';
import { KAFKA_BROKERS, requireKafka, unique } from './support/services.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const client = { brokers: KAFKA_BROKERS, clientId: 'kafka-replay-spec' };
let broker: KafkaMessageBroker | undefined;

describeDeadLetterReplay({
  name: 'Kafka (<topic>.DLT)',
  ready: async () => {
    await requireKafka();
    broker = new KafkaMessageBroker({ client });
  },
  source: async () => {
    const topic = unique('kafka-replay');
    return {
      topic,
      strategy: () => new KafkaEventConsumer({ client, groupId: unique('replay-group'), topics: [topic] }),
      publish: (...events) => broker!.publish(events.map((event) => serializer.toMessage(event))),
      store: () => new KafkaDeadLetterStore({ client, topic }),
      missingStore: () => new KafkaDeadLetterStore({ client, topic: unique('kafka-no-such-topic') }),
    };
  },
  cleanup: async () => {
    await broker?.close();
  },
});
