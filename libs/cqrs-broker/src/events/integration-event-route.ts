import type { BrokerMessage } from '../brokers/broker-message.js';

/**
 * Where the `EventEmitter` sends the notification and ECST events a handler
 * left in its `events`, after the handler returned. Without an outbox they
 * go to the `MessageBroker` at once; `OutboxModule` replaces the route
 * according to its `handlerEvents` policy. A route receives the events of
 * one emit in order, already serialized by the `EventSerializer`.
 * @publicApi
 */
export interface IntegrationEventRoute {
  /** Shown in logs and errors, e.g. `broker`, `outbox`. */
  readonly name: string;
  send(messages: readonly BrokerMessage[]): Promise<void>;
}
