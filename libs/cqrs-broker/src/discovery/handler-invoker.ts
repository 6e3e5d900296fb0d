import type { Type } from '@nestjs/common';
import { ContextIdFactory, type ContextId } from '@nestjs/core';
import { composeMiddleware } from '../middleware/middleware-chain.js';
import type { Middleware, MiddlewareContext, NextFunction } from '../middleware/middleware.interface.js';
import { RequestNotHandledException } from '../errors/request-not-handled.exception.js';

/** What one handler call returns to a mediator. */
export interface Invocation {
  readonly result: unknown;
  /** Events the handler exposed in `events` (only non-singleton handlers may). */
  readonly events: readonly object[] | undefined;
}

/** A handler (or a chain of them) with its middleware chain, ready to call. */
export interface HandlerInvoker {
  readonly handlerType: Type<object>;
  /**
   * Calls the handler. Non-singleton handlers are resolved in `contextId`
   * when given (one DI sub-tree shared by a whole send), else in a fresh one.
   */
  invoke(message: object, contextId?: ContextId): Promise<Invocation>;
  /**
   * Set for singleton handlers, which produce no events: the handler's result
   * alone, without the `Invocation` wrapper or an extra async frame (the hot
   * path of `RequestMediator.send`).
   */
  readonly call?: NextFunction;
}

/** A stream request's handler, opened through the middleware chain. */
export interface StreamInvoker {
  readonly handlerType: Type<object>;
  open(message: object, contextId?: ContextId): Promise<OpenedStream>;
}

export interface OpenedStream {
  /** What `handle` returned (checked by the mediator to be an `AsyncIterable`). */
  readonly items: unknown;
  /** The events the handler added since the last call. */
  takeEvents(): readonly object[] | undefined;
}

/** A handler class as the registry found it: its singleton, or a way to resolve it per DI context. */
export interface HandlerRef {
  readonly handlerType: Type<object>;
  /** Set when the handler is a singleton with a static dependency tree. */
  readonly instance?: Handler;
  resolve(contextId: ContextId): Promise<Handler>;
}

export interface Handler {
  handle(message: object, next?: NextFunction): unknown;
  readonly events?: readonly object[];
}

/**
 * How many of an instance's `events` were already taken. A transient handler
 * is one instance per DI context, so with one scope per send it may run twice
 * in one send; a stream handler runs once per item.
 */
const taken = new WeakMap<object, number>();

/** The events `instance` added since they were last taken (`events` only grows). */
export function takeEvents(instance: Handler): readonly object[] | undefined {
  const events = instance.events;
  if (!events?.length) return undefined;
  const from = taken.get(instance) ?? 0;
  if (events.length <= from) return undefined;
  taken.set(instance, events.length);
  return events.slice(from);
}

const noEvents = (): undefined => undefined;

/** `instance.handle(message, next)` as a promise, a synchronous throw included, without an async frame. */
export function callHandle(instance: Handler, message: object, next?: NextFunction): Promise<unknown> {
  try {
    return Promise.resolve(instance.handle(message, next));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** One handler bound to a request or an event. */
export function handlerInvoker(ref: HandlerRef, middlewares: readonly Middleware[], context: MiddlewareContext): HandlerInvoker {
  const { handlerType, instance } = ref;
  if (instance) {
    // Not an async arrow: returning the handler's own promise saves the
    // microtask ticks an async wrapper spends adopting it.
    const call = composeMiddleware(middlewares, context, (message) => callHandle(instance, message));
    return { handlerType, call, invoke: async (message) => ({ result: await call(message), events: undefined }) };
  }
  // Request-scoped or transient: an instance (and its `events`) per DI context.
  return {
    handlerType,
    invoke: async (message, contextId) => {
      const resolved = await ref.resolve(contextId ?? ContextIdFactory.create());
      const call = composeMiddleware(middlewares, context, async (m) => resolved.handle(m));
      const result = await call(message);
      return { result, events: takeEvents(resolved) };
    },
  };
}

/**
 * A chain of responsibility: link i gets a `next` that calls link i + 1; the
 * last link's `next` rejects with `RequestNotHandledException`. The
 * middleware chain wraps the whole chain once. With singleton links only,
 * the chain is linked here, once; otherwise each call resolves a link only
 * when the one before passes the request on.
 */
export function chainInvoker(
  links: readonly HandlerRef[],
  middlewares: readonly Middleware[],
  context: MiddlewareContext,
): HandlerInvoker {
  const handlerType = links[0].handlerType;
  const chain = links.map((link) => link.handlerType.name);
  const end: NextFunction = () => Promise.reject(new RequestNotHandledException(context.messageType.name, chain));
  if (links.every((link) => link.instance)) {
    let next = end;
    for (let i = links.length - 1; i >= 0; i--) {
      const instance = links[i].instance!;
      const inner = next;
      next = (message) => callHandle(instance, message, inner);
    }
    const call = composeMiddleware(middlewares, context, next);
    return { handlerType, call, invoke: async (message) => ({ result: await call(message), events: undefined }) };
  }
  return {
    handlerType,
    invoke: async (message, contextId) => {
      const scope = contextId ?? ContextIdFactory.create();
      const ran: Handler[] = [];
      const linkAt = (i: number): NextFunction => {
        if (i === links.length) return end;
        const link = links[i];
        return async (m) => {
          const instance = link.instance ?? (await link.resolve(scope));
          ran.push(instance);
          return instance.handle(m, linkAt(i + 1));
        };
      };
      const result = await composeMiddleware(middlewares, context, linkAt(0))(message);
      let events: object[] | undefined;
      for (const instance of ran) {
        const produced = takeEvents(instance);
        if (produced) (events ??= []).push(...produced);
      }
      return { result, events };
    },
  };
}

/**
 * A stream request's handler. The middleware chain runs once, around the
 * call that opens the stream: `next` resolves to what `handle` returned,
 * before any item is produced.
 */
export function streamInvoker(ref: HandlerRef, middlewares: readonly Middleware[], context: MiddlewareContext): StreamInvoker {
  const { handlerType, instance } = ref;
  if (instance) {
    const open = composeMiddleware(middlewares, context, (message) => callHandle(instance, message));
    return { handlerType, open: async (message) => ({ items: await open(message), takeEvents: noEvents }) };
  }
  return {
    handlerType,
    open: async (message, contextId) => {
      const resolved = await ref.resolve(contextId ?? ContextIdFactory.create());
      const items = await composeMiddleware(middlewares, context, (m) => callHandle(resolved, m))(message);
      return { items, takeEvents: () => takeEvents(resolved) };
    },
  };
}
