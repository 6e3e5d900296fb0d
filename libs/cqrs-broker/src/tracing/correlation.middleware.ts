import { Injectable } from '@nestjs/common';
import type { Middleware, NextFunction } from '../middleware/middleware.interface.js';
import { MessageContext } from './message-context.js';

/**
 * Starts a correlation context (new correlation id and trace) for a request
 * sent outside any context, so the events it produces can be traced back to
 * it. Inside an existing context (a consumer, or your own HTTP middleware
 * calling `MessageContext.run`) it changes nothing. The context outlives the
 * handler call through the events created in it: a `DomainEvent`'s handlers
 * run in it with the event's id as `causationId`, so a whole cascade of
 * domain and integration events shares the request's correlation id.
 * @publicApi
 */
@Injectable()
export class CorrelationMiddleware implements Middleware {
  handle(message: object, next: NextFunction): Promise<unknown> {
    if (MessageContext.current()) return next(message);
    return MessageContext.run(MessageContext.start(), () => next(message));
  }
}
