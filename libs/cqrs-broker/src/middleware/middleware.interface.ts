import type { Type } from '@nestjs/common';

/** What a middleware knows about the call it wraps. Built once per handler at bootstrap. @publicApi */
export interface MiddlewareContext {
  readonly kind: 'request' | 'event';
  readonly messageType: Type<object>;
  /** The handler; for a chain of responsibility, its first handler (the chain is wrapped once, as a whole). */
  readonly handlerType: Type<object>;
  /**
   * True for a `StreamRequest`: the chain then runs once, when the stream
   * opens, and `next` resolves to the handler's `AsyncIterable` before any
   * item exists. Items and errors raised while iterating go to the consumer
   * without passing through the middleware; a middleware that needs them
   * wraps the iterable it got from `next`.
   */
  readonly stream?: boolean;
}

/** Calls the rest of the chain (and finally the handler). @publicApi */
export type NextFunction = (message: object) => Promise<unknown>;

/**
 * Wraps request and event handlers (python-cqrs middlewares). Call `next` to
 * go on, with the same or a replaced message; throw to stop.
 *
 * @example
 * export class TimingMiddleware implements Middleware {
 *   async handle(message: object, next: NextFunction, context: MiddlewareContext) {
 *     const started = performance.now();
 *     try { return await next(message); }
 *     finally { console.log(context.handlerType.name, performance.now() - started); }
 *   }
 * }
 * @publicApi
 */
export interface Middleware {
  handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown>;
}
