// How long a Kafka consumer group takes to deliver again after one member is SIGKILLed: a consumer child handles a
// first message, is killed, a second child of the same group starts at once, a new message is published right after
// the kill, and the time until the second child handles it is the recovery time.
import { EventSerializer, IntegrationEventRegistry } from 'nestjs-cqrs-broker';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { startConsumerChild, type ConsumerChild } from './child-consumer.js';
import { eventually, KAFKA_BROKERS, unique } from './services.js';
import { probeEvent } from './test-events.js';

const serializer = new EventSerializer(new IntegrationEventRegistry());

/** Milliseconds from the SIGKILL of a group member until its replacement handled a message published after the kill (`recoveryMs`), and until the replacement had started and joined the group (`replacementReadyMs`, part of it: kafkajs `run` returns once joined). */
export async function measureKafkaRecovery(options: { sessionTimeoutMs?: number; brokers?: readonly string[] } = {}): Promise<{ recoveryMs: number; replacementReadyMs: number }> {
  const brokers = options.brokers ?? KAFKA_BROKERS;
  const topic = unique('kafka-recovery');
  const env: Record<string, string> = {
    CHILD_BROKER: 'kafka',
    CHILD_KAFKA_BROKERS: brokers.join(','),
    CHILD_GROUP: unique('kafka-recovery-group'),
    CHILD_TOPIC: topic,
    CHILD_CONSUMER_NAME: 'kafka-recovery',
    ...(options.sessionTimeoutMs && { CHILD_SESSION_TIMEOUT: String(options.sessionTimeoutMs) }),
  };
  const broker = new KafkaMessageBroker({ client: { brokers: [...brokers] } });
  const children: ConsumerChild[] = [];
  try {
    const first = startConsumerChild(env);
    children.push(first);
    await first.ready;
    const before = probeEvent(topic, { key: 'room', seq: 0 });
    await broker.publish([serializer.toMessage(before)]);
    await eventually(() => first.handled.includes(before.eventId), 'the first consumer handled a message', 60_000);

    first.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    const second = startConsumerChild(env);
    children.push(second);
    const after = probeEvent(topic, { key: 'room', seq: 1 });
    await broker.publish([serializer.toMessage(after)]);
    await second.ready;
    const replacementReadyMs = Date.now() - killedAt;
    await eventually(() => second.handled.includes(after.eventId), 'the replacement consumer handled a message published after the kill', 120_000);
    return { recoveryMs: Date.now() - killedAt, replacementReadyMs };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await broker.close();
  }
}
