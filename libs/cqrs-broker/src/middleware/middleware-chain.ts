import type { Middleware, MiddlewareContext, NextFunction } from './middleware.interface.js';

/**
 * Composes middlewares around a handler call, outermost first. Done once per
 * handler at bootstrap so `send` allocates no chain per call; with no
 * middleware it returns the handler call itself.
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
