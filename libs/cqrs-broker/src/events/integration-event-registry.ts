import { Injectable, type Type } from '@nestjs/common';
import { getIntegrationEventContract, type IntegrationEventContract } from './integration-event.decorator.js';
import type { NotificationEvent } from './notification-event.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { MissingEventContractException } from '../errors/missing-event-contract.exception.js';
import { DUPLICATE_EVENT_NAME, NOT_AN_INTEGRATION_EVENT } from '../errors/messages.js';

/** A registered event class and its contract. */
export interface RegisteredIntegrationEvent {
  readonly type: Type<NotificationEvent<any>>;
  readonly contract: IntegrationEventContract;
}

/**
 * Maps wire event names to `@IntegrationEvent` classes, so incoming JSON
 * becomes the class its handlers expect. Filled at bootstrap from handled
 * event types and the module's `integrationEvents` option. One name may be
 * declared on several topics (python-cqrs services do that), one class each;
 * {@link get} resolves by (topic, name), then by the name alone.
 */
@Injectable()
export class IntegrationEventRegistry {
  /** name → topic → class. */
  private readonly byName = new Map<string, Map<string, RegisteredIntegrationEvent>>();

  register(type: Type<NotificationEvent<any>>): void {
    const contract = getIntegrationEventContract(type);
    if (!contract) {
      throw new MissingEventContractException(type.name, NOT_AN_INTEGRATION_EVENT(type.name));
    }
    let byTopic = this.byName.get(contract.name);
    if (!byTopic) this.byName.set(contract.name, (byTopic = new Map()));
    const existing = byTopic.get(contract.topic);
    if (existing && existing.type !== type) {
      throw new ConfigurationException(DUPLICATE_EVENT_NAME(contract.name, contract.topic, existing.type.name, type.name));
    }
    byTopic.set(contract.topic, { type, contract });
  }

  /**
   * The class registered for `eventName` on `topic`; else the one class of
   * that name whatever its topic. `undefined` when there is none, or when
   * several topics declare the name and none is `topic` (see {@link topicsOf}).
   */
  get(eventName: string, topic?: string): RegisteredIntegrationEvent | undefined {
    const byTopic = this.byName.get(eventName);
    if (!byTopic) return undefined;
    const exact = topic === undefined ? undefined : byTopic.get(topic);
    if (exact) return exact;
    return byTopic.size === 1 ? byTopic.values().next().value : undefined;
  }

  /** The topics classes named `eventName` are registered on. */
  topicsOf(eventName: string): string[] {
    return [...(this.byName.get(eventName)?.keys() ?? [])];
  }

  /** Every registered class with its contract. */
  all(): RegisteredIntegrationEvent[] {
    return [...this.byName.values()].flatMap((byTopic) => [...byTopic.values()]);
  }

  /** Topics of all registered events (what a consumer subscribes to by default). */
  topics(): string[] {
    return [...new Set([...this.byName.values()].flatMap((byTopic) => [...byTopic.keys()]))];
  }
}
