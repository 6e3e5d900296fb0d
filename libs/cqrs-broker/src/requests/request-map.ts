import type { Type } from '@nestjs/common';
import type { Request, RequestResult } from './request.js';
import type { RequestHandler } from './request-handler.interface.js';
import type { ChainedRequestHandler } from './chained-request-handler.interface.js';
import type { StreamRequest } from './stream-request.js';
import type { StreamRequestHandler } from './stream-request-handler.interface.js';
import { DuplicateHandlerException } from '../errors/duplicate-handler.exception.js';
import type { FallbackOptions } from '../fallback/fallback-options.interface.js';

/** Options of {@link RequestMap.bind}. @publicApi */
export interface RequestBindingOptions<TRequest extends Request<any>> {
  /** As `@HandlesRequest(X, { fallback })`: see {@link FallbackOptions}. */
  readonly fallback?: FallbackOptions<RequestHandler<TRequest, RequestResult<TRequest>>>;
}

/**
 * Explicit request → handler bindings (python-cqrs `RequestMap`), passed to
 * `CqrsBrokerModule.forRoot({ requests })`. Decorated handlers and map
 * bindings can be mixed; a request bound twice is a startup error, unless
 * its handlers are declared as one chain.
 * @publicApi
 */
export class RequestMap {
  private readonly bindings = new Map<Type<object>, Type<object> | readonly Type<object>[]>();
  private readonly fallbackBindings: [Type<object>, FallbackOptions][] = [];

  /** Binds a request (or a `StreamRequest`) to its one handler; a request's handler may have a fallback. */
  bind<TRequest extends Request<any>>(
    requestType: Type<TRequest>,
    handlerType: Type<RequestHandler<TRequest, any>>,
    options?: RequestBindingOptions<TRequest>,
  ): this;
  bind<TRequest extends StreamRequest<any>>(requestType: Type<TRequest>, handlerType: Type<StreamRequestHandler<TRequest, any>>): this;
  bind(requestType: Type<object>, handlerType: Type<object>, options?: RequestBindingOptions<any>): this {
    const existing = this.bindings.get(requestType);
    if (existing && existing !== handlerType) {
      throw new DuplicateHandlerException(requestType, Array.isArray(existing) ? existing[0] : (existing as Type), handlerType);
    }
    this.bindings.set(requestType, handlerType);
    if (options?.fallback) this.fallbackBindings.push([handlerType, options.fallback]);
    return this;
  }

  /**
   * Binds a request to a chain of responsibility: the handlers run in the
   * order given, each handling the request or passing it to `next` (see
   * `ChainedRequestHandler`).
   *
   * @example
   * new RequestMap().chain(ReadMeetingQuery, [CachedMeetingHandler, DatabaseMeetingHandler])
   */
  chain<TRequest extends Request<any>>(
    requestType: Type<TRequest>,
    handlerTypes: readonly Type<ChainedRequestHandler<TRequest, any> | RequestHandler<TRequest, any>>[],
  ): this {
    const existing = this.bindings.get(requestType);
    if (existing) {
      throw new DuplicateHandlerException(requestType, Array.isArray(existing) ? existing[0] : (existing as Type), handlerTypes[0] ?? requestType);
    }
    this.bindings.set(requestType, [...handlerTypes]);
    return this;
  }

  /** Requests bound to one handler. */
  *entries(): IterableIterator<[Type<Request<unknown>>, Type<RequestHandler<any, any>>]> {
    for (const [requestType, binding] of this.bindings) {
      if (!Array.isArray(binding)) yield [requestType, binding as Type<RequestHandler<any, any>>];
    }
  }

  /** Handlers bound with a fallback, with their fallback. */
  fallbacks(): readonly (readonly [Type<object>, FallbackOptions])[] {
    return this.fallbackBindings;
  }

  /** Requests bound to a chain, with its handlers in order. */
  *chains(): IterableIterator<[Type<Request<unknown>>, readonly Type<ChainedRequestHandler<any, any>>[]]> {
    for (const [requestType, binding] of this.bindings) {
      if (Array.isArray(binding)) yield [requestType, binding];
    }
  }
}
