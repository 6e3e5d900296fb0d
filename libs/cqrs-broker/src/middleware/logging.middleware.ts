import { Injectable, Logger } from '@nestjs/common';
import type { Middleware, MiddlewareContext, NextFunction } from './middleware.interface.js';

/**
 * Logs each handled request or event at debug level with its duration, and
 * failures at error level with the event id when there is one.
 * @publicApi
 */
@Injectable()
export class LoggingMiddleware implements Middleware {
  private readonly logger = new Logger('CqrsBroker');

  async handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown> {
    const started = performance.now();
    const label = `${context.kind} ${context.messageType.name} → ${context.handlerType.name}`;
    try {
      const result = await next(message);
      this.logger.debug(`${label} done in ${(performance.now() - started).toFixed(1)} ms`);
      return result;
    } catch (error) {
      const eventId = (message as { eventId?: string }).eventId;
      // A client error (an HttpException below 500, e.g. not found) is the caller's, not ours.
      const status = (error as { getStatus?: () => number })?.getStatus?.();
      const log = status !== undefined && status < 500 ? this.logger.warn.bind(this.logger) : this.logger.error.bind(this.logger);
      log(
        `${label} failed after ${(performance.now() - started).toFixed(1)} ms${eventId ? ` (event ${eventId})` : ''}: ${(error as Error)?.message ?? error}`,
      );
      throw error;
    }
  }
}
