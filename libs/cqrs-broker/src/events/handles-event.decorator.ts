import type { Type } from '@nestjs/common';

export const EVENT_HANDLER_METADATA = 'cqrs-broker:event-handler';

/**
 * Marks a provider as a handler of the given event types (domain events, or
 * notification/ECST event classes received from the bus). Several handlers
 * may handle one event.
 * @publicApi
 */
export function HandlesEvent(...eventTypes: Type<object>[]): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(EVENT_HANDLER_METADATA, eventTypes, target);
  };
}
