import { Logger } from '@nestjs/common';
import type { BrokerMessage } from './broker-message.js';
import type { BrokerConnectionStatus, MessageBroker } from './message-broker.interface.js';

/** Receives messages of one topic from the in-memory broker. @publicApi */
export type InMemoryListener = (message: BrokerMessage) => Promise<void> | void;

interface Subscription {
  readonly listener: InMemoryListener;
  /** Deliveries to one listener are chained, so it sees a topic's messages in publish order. */
  tail: Promise<void>;
}

/**
 * The embedded default broker: topics live in this process and listeners
 * (such as the in-process consumer) subscribe to them. Delivery is
 * asynchronous, so publishing never waits for consumers. Nothing survives a
 * restart: use Kafka or RabbitMQ when producer and consumer are separate
 * processes.
 * @publicApi
 */
export class InMemoryMessageBroker implements MessageBroker {
  private readonly logger = new Logger(InMemoryMessageBroker.name);
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private closed = false;

  /** Listens to a topic; returns a function that stops listening. */
  subscribe(topic: string, listener: InMemoryListener): () => void {
    let topicSubscriptions = this.subscriptions.get(topic);
    if (!topicSubscriptions) this.subscriptions.set(topic, (topicSubscriptions = new Set()));
    const subscription: Subscription = { listener, tail: Promise.resolve() };
    topicSubscriptions.add(subscription);
    return () => topicSubscriptions.delete(subscription);
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    for (const message of messages) {
      const topicSubscriptions = this.subscriptions.get(message.topic);
      if (!topicSubscriptions) continue;
      for (const subscription of topicSubscriptions) {
        subscription.tail = subscription.tail
          .then(() => subscription.listener(message))
          .catch((error: unknown) =>
            this.logger.error(`Listener of "${message.topic}" failed on event ${message.eventId}: ${(error as Error)?.message ?? error}`),
          );
      }
    }
  }

  /** Resolves once every delivery made so far has been handled. */
  async drain(): Promise<void> {
    const tails = [...this.subscriptions.values()].flatMap((set) => [...set].map((s) => s.tail));
    await Promise.all(tails);
  }

  /** Always `connected` (nothing to connect to) until `close()`. */
  connectionStatus(): BrokerConnectionStatus {
    return this.closed ? 'closed' : 'connected';
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    this.subscriptions.clear();
  }
}
