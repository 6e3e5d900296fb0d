import type { Middleware, MiddlewareContext, NextFunction } from './middleware.interface.js';

/**
 * Composes middlewares around a handler call, outermost first; with no
 * middleware it returns the handler call itself. For a singleton handler the
 * registry composes the chain once at bootstrap, so `send` allocates none;
 * a request-scoped or transient handler gets a fresh instance per call, so
 * its chain (one closure per middleware) is composed around that instance
 * on each call.
 */
export function composeMiddleware(
  middlewares: readonly Middleware[],
  context: MiddlewareContext,
  handle: NextFunction,
): NextFunction {
  let next = handle;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const middleware = middlewares[i];
    const inner = next;
    next = (message) => middleware.handle(message, inner, context);
  }
  return next;
}
