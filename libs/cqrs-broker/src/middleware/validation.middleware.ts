import { Injectable } from '@nestjs/common';
import { validate, type ValidatorOptions } from 'class-validator';
import type { Middleware, MiddlewareContext, NextFunction } from './middleware.interface.js';
import { RequestValidationException } from '../errors/request-validation.exception.js';
import { formatValidationErrors } from './validation-errors.js';

/**
 * Validates requests with class-validator before their handler runs and
 * rejects an invalid one with {@link RequestValidationException}, listing
 * every field error. Events are passed through: incoming events are validated
 * when they are read from the bus.
 * @publicApi
 */
@Injectable()
export class ValidationMiddleware implements Middleware {
  private readonly options: ValidatorOptions = { forbidUnknownValues: false };

  async handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown> {
    if (context.kind === 'request') {
      const errors = await validate(message, this.options);
      if (errors.length) throw new RequestValidationException(context.messageType.name, formatValidationErrors(errors));
    }
    return next(message);
  }
}
