import type { Type } from '@nestjs/common';
import type { EventHandler } from './event-handler.interface.js';

/**
 * Explicit event → handlers bindings (python-cqrs `EventMap`), passed to
 * `CqrsBrokerModule.forRoot({ events })`. One event may have many handlers.
 * @publicApi
 */
export class EventMap {
  private readonly bindings = new Map<Type<object>, Set<Type<EventHandler<any>>>>();

  bind<TEvent extends object>(eventType: Type<TEvent>, handlerType: Type<EventHandler<TEvent>>): this {
    let handlers = this.bindings.get(eventType);
    if (!handlers) this.bindings.set(eventType, (handlers = new Set()));
    handlers.add(handlerType);
    return this;
  }

  entries(): IterableIterator<[Type<object>, Set<Type<EventHandler<any>>>]> {
    return this.bindings.entries();
  }
}
