import { EventSerializer, IntegrationEventRegistry } from 'nestjs-cqrs-broker';
import { AmqpDeadLetterStore, AmqpEventConsumer, AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { deleteAmqp } from './support/amqp-raw.js';
import { describeDeadLetterReplay } from './support/dead-letter-replay.js';
import { AMQP_URL, requireRabbitMq, unique } from './support/services.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());
const exchange = unique('amqp-replay');
const declared: string[] = [];
let broker: AmqpMessageBroker | undefined;

describeDeadLetterReplay({
  name: 'RabbitMQ (<queue>.dlq)',
  ready: async () => {
    await requireRabbitMq();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'amqp-replay-spec' });
  },
  source: async () => {
    const topic = unique('amqp-replay-topic');
    const queue = unique('amqp-replay-queue');
    declared.push(queue);
    return {
      topic,
      strategy: () => new AmqpEventConsumer({ url: AMQP_URL, queue, exchange, routingKeys: [topic] }),
      publish: (...events) => broker!.publish(events.map((event) => serializer.toMessage(event))),
      store: () => new AmqpDeadLetterStore({ url: AMQP_URL, queue }),
      missingStore: () => new AmqpDeadLetterStore({ url: AMQP_URL, queue: unique('amqp-no-such-queue') }),
    };
  },
  cleanup: async () => {
    await broker?.close();
    await deleteAmqp({
      queues: declared.flatMap((queue) => [queue, `${queue}.dlq`]),
      exchanges: [exchange, ...declared.map((queue) => `${queue}.dlx`)],
    }).catch(() => undefined);
  },
});
