import { Injectable, type Type } from '@nestjs/common';
import { getIntegrationEventContract, type IntegrationEventContract } from './integration-event.decorator.js';
import type { NotificationEvent } from './notification-event.js';

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
      throw new Error(`${type.name} is not decorated with @IntegrationEvent({ name, topic }).`);
    }
    const existing = this.byName.get(contract.name);
    if (existing && existing.type !== type) {
      throw new Error(
        `Event name "${contract.name}" is declared by two classes: ${existing.type.name} and ${type.name}.`,
      );
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
