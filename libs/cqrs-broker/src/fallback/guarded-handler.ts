import type { Logger } from '@nestjs/common';
import { describeError, type CircuitBreaker } from '../circuit-breaker/circuit-breakers.js';
import { callHandle, takeEvents, type Handler, type HandlerRef } from '../discovery/handler-invoker.js';
import { FALLBACK_ANSWERS } from '../errors/messages.js';
import type { ErrorClass } from './fallback-options.interface.js';

/** Runs `primary`, or `fallback` in its place when the fallback declaration says so. */
export type FallbackGuard = (message: object, primary: () => Promise<unknown>, fallback: () => Promise<unknown>) => Promise<unknown>;

/** Whether an error is one of `on` (every error when `on` is empty). */
export function errorFilter(on: readonly ErrorClass[]): (error: unknown) => boolean {
  if (!on.length) return () => true;
  return (error) => on.some((errorClass) => error instanceof errorClass);
}

/**
 * The decision, built once per guarded handler: an error that `matches`
 * makes the fallback answer (logged as a warning with the error and, for an
 * event, its id); any other error propagates. With a breaker, the call goes
 * through it, and a call it refuses (open) goes to the fallback without a log
 * line of its own: the breaker logs its transitions.
 */
export function fallbackGuard(
  names: { readonly handler: string; readonly fallback: string },
  matches: (error: unknown) => boolean,
  breaker: CircuitBreaker | undefined,
  logger: Logger,
): FallbackGuard {
  const answerInstead = (message: object, error: unknown, fallback: () => Promise<unknown>): Promise<unknown> => {
    const eventId = (message as { eventId?: unknown }).eventId;
    logger.warn(FALLBACK_ANSWERS(names.handler, message.constructor.name, typeof eventId === 'string' ? eventId : undefined, describeError(error), names.fallback));
    return fallback();
  };
  if (!breaker) {
    return (message, primary, fallback) =>
      primary().catch((error: unknown) => {
        if (!matches(error)) throw error;
        return answerInstead(message, error, fallback);
      });
  }
  return (message, primary, fallback) =>
    breaker.execute(primary).catch((error: unknown) => {
      if (breaker.isOpen(error)) return fallback();
      if (!matches(error)) throw error;
      return answerInstead(message, error, fallback);
    });
}

/**
 * A handler and its fallback as one handler, for the invokers: the same
 * `HandlerRef` shape, so the middleware chain and the mediators' fast paths
 * do not change. Two singletons give a singleton (composed here, once).
 * Otherwise each resolution gives a fresh guard object whose `events` are
 * those of the handler that answered; the fallback is resolved (in the same
 * DI context) only when it is needed, and the events a failed handler had
 * kept are dropped.
 */
export function guardedRef(primary: HandlerRef, fallback: HandlerRef, guard: FallbackGuard): HandlerRef {
  const { handlerType } = primary;
  if (primary.instance && fallback.instance) {
    const first = primary.instance;
    const second = fallback.instance;
    const instance: Handler = { handle: (message) => guard(message, () => callHandle(first, message), () => callHandle(second, message)) };
    return { handlerType, instance, resolve: () => Promise.resolve(instance) };
  }
  return {
    handlerType,
    resolve: async (contextId) => {
      const first = primary.instance ?? (await primary.resolve(contextId));
      const answered: { events: readonly object[] | undefined; handle: Handler['handle'] } = {
        events: undefined,
        handle: (message) =>
          guard(
            message,
            () =>
              callHandle(first, message).then(
                (result) => {
                  answered.events = takeEvents(first);
                  return result;
                },
                (error: unknown) => {
                  takeEvents(first);
                  throw error;
                },
              ),
            async () => {
              const second = fallback.instance ?? (await fallback.resolve(contextId));
              const result = await second.handle(message);
              answered.events = takeEvents(second);
              return result;
            },
          ),
      };
      return answered;
    },
  };
}
