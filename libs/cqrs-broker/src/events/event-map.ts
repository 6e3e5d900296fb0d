import type { Type } from '@nestjs/common';
import type { EventHandler } from './event-handler.interface.js';
import type { FallbackOptions } from '../fallback/fallback-options.interface.js';

/** Options of {@link EventMap.bind}. @publicApi */
export interface EventBindingOptions {
  /**
   * As `@HandlesEvent(E, { fallback })`: see {@link FallbackOptions}. It
   * belongs to the handler class, so it guards every event the class is
   * bound to; declare it on one binding.
   */
  readonly fallback?: FallbackOptions<EventHandler<any>>;
}

/**
 * Explicit event → handlers bindings (python-cqrs `EventMap`), passed to
 * `CqrsBrokerModule.forRoot({ events })`. One event may have many handlers.
 * @publicApi
 */
export class EventMap {
  private readonly bindings = new Map<Type<object>, Set<Type<EventHandler<any>>>>();
  private readonly fallbackBindings: [Type<object>, FallbackOptions][] = [];

  bind<TEvent extends object>(eventType: Type<TEvent>, handlerType: Type<EventHandler<TEvent>>, options?: EventBindingOptions): this {
    let handlers = this.bindings.get(eventType);
    if (!handlers) this.bindings.set(eventType, (handlers = new Set()));
    handlers.add(handlerType);
    if (options?.fallback) this.fallbackBindings.push([handlerType, options.fallback]);
    return this;
  }

  /** Handlers bound with a fallback, with their fallback. */
  fallbacks(): readonly (readonly [Type<object>, FallbackOptions])[] {
    return this.fallbackBindings;
  }

  entries(): IterableIterator<[Type<object>, Set<Type<EventHandler<any>>>]> {
    return this.bindings.entries();
  }
}
