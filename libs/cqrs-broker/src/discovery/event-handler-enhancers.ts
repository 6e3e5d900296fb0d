import type { Type } from '@nestjs/common';
import type { ContextId, ExternalContextCreator } from '@nestjs/core';
import type { Handler, HandlerRef } from './handler-invoker.js';

/**
 * `ExecutionContext.getType()` in a guard, interceptor or filter bound to an
 * event handler: `context.getType<typeof EVENT_HANDLER_CONTEXT_TYPE>() === 'cqrs-event'`.
 * `context.getArgs()` is `[event]`.
 * @publicApi
 */
export const EVENT_HANDLER_CONTEXT_TYPE = 'cqrs-event';

/** The metadata keys of `@UseGuards`, `@UseInterceptors` and `@UseFilters` (GUARDS_METADATA, … of `@nestjs/common/constants`). */
const ENHANCER_METADATA = ['__guards__', '__interceptors__', '__exceptionFilters__'] as const;

/** Whether `@UseGuards`, `@UseInterceptors` or `@UseFilters` is on the handler class or its `handle` method. */
export function hasEnhancers(handlerType: Type<object>): boolean {
  const handle: unknown = handlerType.prototype?.handle;
  return ENHANCER_METADATA.some(
    (key) =>
      (Reflect.getMetadata(key, handlerType)?.length ?? 0) > 0 ||
      (typeof handle === 'function' && (Reflect.getMetadata(key, handle)?.length ?? 0) > 0),
  );
}

/**
 * The handler with its `handle` wrapped by Nest's `ExternalContextCreator`
 * (as @golevelup/nestjs-rabbitmq wraps its message handlers): the guards,
 * interceptors and exception filters bound to it run around each call, as
 * around a route. Built once for a singleton, once per resolved instance for
 * a request-scoped or transient handler. A guard that denies rejects the call
 * with Nest's `ForbiddenException`.
 *
 * `ref` may also be a handler with its fallback composed (`guardedRef`): the
 * handler class's enhancers then run around the pair, so a denying guard
 * stops the fallback too and an interceptor sees the answer of whichever
 * answered.
 */
export function enhancedRef(ref: HandlerRef, contexts: ExternalContextCreator): HandlerRef {
  const { handlerType } = ref;
  const declared = handlerType.prototype.handle as (...args: unknown[]) => unknown;
  const wrappers = new WeakMap<Handler, Handler>();
  const wrap = (instance: Handler, contextId?: ContextId): Handler => {
    let wrapper = wrappers.get(instance);
    if (!wrapper) {
      // Nest reads class-level enhancers from `target.constructor` and method-level ones from the callback: a composed
      // handler is no instance of the class, so it is called through a stand-in that carries both.
      const own = instance instanceof handlerType;
      const target = own ? instance : (Object.create(handlerType.prototype) as Handler);
      const callback = own ? (instance.handle as (...args: unknown[]) => unknown) : withMetadataOf(declared, (...args: unknown[]) => instance.handle(args[0] as object));
      const handle = contexts.create(
        target,
        callback,
        'handle',
        undefined,
        undefined,
        contextId,
        undefined,
        { guards: true, interceptors: true, filters: true },
        EVENT_HANDLER_CONTEXT_TYPE,
      );
      // The instance's own fields (its `events`) through the prototype; only `handle` differs.
      wrapper = Object.create(instance, { handle: { value: handle } }) as Handler;
      wrappers.set(instance, wrapper);
    }
    return wrapper;
  };
  return {
    handlerType,
    instance: ref.instance && wrap(ref.instance),
    resolve: async (contextId) => wrap(await ref.resolve(contextId), contextId),
  };
}

/** `call`, carrying the reflect-metadata of `method` (its `@UseGuards`, … and whatever else is on it). */
function withMetadataOf<F extends (...args: never[]) => unknown>(method: Function, call: F): F {
  for (const key of Reflect.getMetadataKeys(method)) Reflect.defineMetadata(key, Reflect.getMetadata(key, method), call);
  return call;
}
