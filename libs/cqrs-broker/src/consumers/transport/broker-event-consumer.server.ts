import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumedMessage, ConsumeOutcome } from '../consumed-message.js';
import { CONSUME_EVENT_PATTERN, EVENT_TOPICS_PATTERN } from './event-transport.constants.js';

/** Status a broker consumer reports through `status`. @publicApi */
export type BrokerConsumerStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Base of the Kafka and RabbitMQ consumer strategies: talks to the app
 * through the patterns of the `EventTransportController` (registered by
 * `EventConsumerModule`), so the transport only
 * deals with its broker's delivery, acknowledgement and dead letters.
 */
export abstract class BrokerEventConsumer extends Server<Record<string, Function>, BrokerConsumerStatus> implements CustomTransportStrategy {
  private readonly listeners = new Map<string, Set<Function>>();

  on(event: string, callback: Function): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(callback);
  }

  protected emitEvent(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }

  protected setStatus(status: BrokerConsumerStatus): void {
    this._status$.next(status);
  }

  /** Runs the consumer pipeline of the app on one message. */
  protected async consumeMessage(message: ConsumedMessage): Promise<ConsumeOutcome> {
    return this.call<ConsumeOutcome>(CONSUME_EVENT_PATTERN, message);
  }

  /** `explicit` topics, or those of the app's registered integration events. */
  protected async resolveTopics(explicit: readonly string[] | undefined): Promise<string[]> {
    const topics = explicit ? [...explicit] : await this.call<string[]>(EVENT_TOPICS_PATTERN, {});
    if (!topics.length) {
      throw new Error(
        `${this.constructor.name}: no topics to consume: pass them in the options, or bind handlers to @IntegrationEvent classes ` +
          '(in a hybrid app, call app.init() before app.startAllMicroservices(), so handlers are registered first).',
      );
    }
    return topics;
  }

  private async call<T>(pattern: string, data: unknown): Promise<T> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      throw new Error(
        `${this.constructor.name} found no handler for "${pattern}": import EventConsumerModule.forRoot({ name }) in the app module.`,
      );
    }
    return lastValueFrom(this.transformToObservable(await handler(data))) as Promise<T>;
  }
}
