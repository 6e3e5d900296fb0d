import type { Type } from '@nestjs/common';
import type { Request } from './request.js';
import type { RequestHandler } from './request-handler.interface.js';
import { DuplicateHandlerException } from '../errors/duplicate-handler.exception.js';

/**
 * Explicit request → handler bindings (python-cqrs `RequestMap`), passed to
 * `CqrsBrokerModule.forRoot({ requests })`. Decorated handlers and map
 * bindings can be mixed; a request bound twice is a startup error.
 * @publicApi
 */
export class RequestMap {
  private readonly bindings = new Map<Type<Request<unknown>>, Type<RequestHandler<any, any>>>();

  bind<TRequest extends Request<any>>(
    requestType: Type<TRequest>,
    handlerType: Type<RequestHandler<TRequest, any>>,
  ): this {
    const existing = this.bindings.get(requestType);
    if (existing && existing !== handlerType) {
      throw new DuplicateHandlerException(requestType, existing, handlerType);
    }
    this.bindings.set(requestType, handlerType);
    return this;
  }

  entries(): IterableIterator<[Type<Request<unknown>>, Type<RequestHandler<any, any>>]> {
    return this.bindings.entries();
  }
}
