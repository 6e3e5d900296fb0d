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
 * event types and the module's `integrationEvents` option.
 */
@Injectable()
export class IntegrationEventRegistry {
  private readonly byName = new Map<string, RegisteredIntegrationEvent>();

  register(type: Type<NotificationEvent<any>>): void {
    const contract = getIntegrationEventContract(type);
    if (!contract) {
      throw new MissingEventContractException(type.name, NOT_AN_INTEGRATION_EVENT(type.name));
    }
    const existing = this.byName.get(contract.name);
    if (existing && existing.type !== type) {
      throw new ConfigurationException(DUPLICATE_EVENT_NAME(contract.name, existing.type.name, type.name));
    }
    this.byName.set(contract.name, { type, contract });
  }

  get(eventName: string): RegisteredIntegrationEvent | undefined {
    return this.byName.get(eventName);
  }

  /** Topics of all registered events (what a consumer subscribes to by default). */
  topics(): string[] {
    return [...new Set([...this.byName.values()].map((e) => e.contract.topic))];
  }
}
