import { EventSerializer, IntegrationEventRegistry } from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { deleteAmqp, rawQueue } from './support/amqp-raw.js';
import { AMQP_URL, requireRabbitMq, unique } from './support/services.js';
import { probeEvent } from './support/test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());

describe('RabbitMQ publish of a message no queue is bound to', () => {
  const exchange = unique('amqp-unroutable');
  const queue = unique('amqp-unroutable-queue');
  let broker: AmqpMessageBroker;

  beforeAll(async () => {
    await requireRabbitMq();
    broker = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'amqp-unroutable-spec' });
  });

  afterAll(async () => {
    await broker?.close();
    await deleteAmqp({ queues: [queue], exchanges: [exchange] }).catch(() => undefined);
  });

  it('rejects the publish instead of counting a dropped message as sent, and succeeds once a queue is bound', async () => {
    const topic = unique('nobody-listens');
    const event = probeEvent(topic, { key: 'k', seq: 1 });
    await expect(broker.publish([serializer.toMessage(event)])).rejects.toThrow(/reached no queue/);

    const raw = await rawQueue(exchange, queue, topic);
    try {
      await broker.publish([serializer.toMessage(event)]);
      const [delivered] = await raw.read(1);
      expect(JSON.parse(delivered.content.toString()).event_id).toBe(event.eventId);
    } finally {
      await raw.close();
    }
  });

  it('still lets RabbitMQ drop unroutable messages when mandatory is off', async () => {
    const lenient = new AmqpMessageBroker({ url: AMQP_URL, exchange, connectionName: 'amqp-unroutable-lenient', mandatory: false });
    try {
      await expect(lenient.publish([serializer.toMessage(probeEvent(unique('nobody'), { key: 'k', seq: 1 }))])).resolves.toBeUndefined();
    } finally {
      await lenient.close();
    }
  });
});
