import type { Type } from '@nestjs/common';
import { FALLBACK_METADATA, type FallbackOptions } from '../fallback/fallback-options.interface.js';
import type { EventHandler } from './event-handler.interface.js';

export const EVENT_HANDLER_METADATA = 'cqrs-broker:event-handler';

/** Options of {@link HandlesEvent}, passed after the event types. @publicApi */
export interface HandlesEventOptions {
  /**
   * A handler that handles the events in this one's place on the errors in
   * `on`, or while the circuit breaker is open (see {@link FallbackOptions});
   * it guards every event type listed.
   * @default undefined (no fallback)
   */
  readonly fallback?: FallbackOptions<EventHandler<any>>;
}

/**
 * Marks a provider as a handler of the given event types (domain events, or
 * notification/ECST event classes received from the bus). Several handlers
 * may handle one event. Options, if any, come last.
 *
 * @example
 * \@HandlesEvent(UserJoined, UserLeft)
 * \@HandlesEvent(UserJoined, { fallback: { handler: QueueWelcomeMail, on: [SmtpError], breaker: true } })
 * @publicApi
 */
export function HandlesEvent(...eventTypes: Type<object>[]): ClassDecorator;
export function HandlesEvent(...args: [...eventTypes: Type<object>[], options: HandlesEventOptions]): ClassDecorator;
export function HandlesEvent(...args: (Type<object> | HandlesEventOptions)[]): ClassDecorator {
  const last = args[args.length - 1];
  const options = typeof last === 'object' && last !== null ? (last as HandlesEventOptions) : undefined;
  const eventTypes = (options ? args.slice(0, -1) : args) as Type<object>[];
  return (target) => {
    Reflect.defineMetadata(EVENT_HANDLER_METADATA, eventTypes, target);
    if (options?.fallback) Reflect.defineMetadata(FALLBACK_METADATA, options.fallback, target);
  };
}
