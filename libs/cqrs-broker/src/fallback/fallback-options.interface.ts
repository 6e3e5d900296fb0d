import type { Type } from '@nestjs/common';
import type { CircuitBreakerOptions } from '../circuit-breaker/circuit-breaker-options.interface.js';

/** An error class, matched with `instanceof`. @publicApi */
export type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * A handler that answers in place of another (python-cqrs
 * `RequestHandlerFallback` / `EventHandlerFallback`): when the guarded
 * handler fails with one of the errors in `on`, or while its circuit breaker
 * is open. Declared on a request or event handler with
 * `@HandlesRequest(X, { fallback })`, `@HandlesEvent(E, { fallback })`,
 * `RequestMap.bind(X, H, { fallback })` or `EventMap.bind(E, H, { fallback })`.
 * The fallback belongs to the handler class: it guards every message the
 * class handles, behind one breaker.
 *
 * @example
 * \@HandlesRequest(ReadMeetingQuery, {
 *   fallback: { handler: CachedMeetingHandler, on: [TimeoutException], breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 } },
 * })
 * @publicApi
 */
export interface FallbackOptions<THandler extends object = object> {
  /**
   * The handler that answers instead: a provider of some module, handling
   * the same request (with the same result type) or the same events. It
   * runs inside the same middleware chain, with the same message, in the
   * same DI scope; when it keeps `events`, those are emitted (the failed
   * handler's are dropped).
   */
  readonly handler: Type<THandler>;
  /**
   * The errors (by class, `instanceof`) that make the fallback answer and
   * that the breaker counts as failures. Other errors propagate as they are.
   * @default every error
   */
  readonly on?: readonly ErrorClass[];
  /**
   * A circuit breaker around the guarded handler: after
   * `consecutiveFailures` errors of `on`, the handler is not called for
   * `halfOpenAfterMs` and the fallback answers at once. `true` takes the
   * defaults. Needs the optional peer package `cockatiel`, loaded at startup
   * only when a breaker is declared.
   * @default undefined (no breaker: the handler is always tried first)
   */
  readonly breaker?: CircuitBreakerOptions | true;
}

/** The metadata key under which the handler decorators record a fallback. */
export const FALLBACK_METADATA = 'cqrs-broker:fallback';
