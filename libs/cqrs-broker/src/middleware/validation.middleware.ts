import { Injectable } from '@nestjs/common';
import { validate, type ValidatorOptions } from 'class-validator';
import type { Middleware, MiddlewareContext, NextFunction } from './middleware.interface.js';
import { RequestValidationException } from '../errors/request-validation.exception.js';
import { findUnsafeInput } from './input-guard.js';
import { formatValidationErrors } from './validation-errors.js';

/**
 * Validates requests before their handler runs and rejects an invalid one
 * with {@link RequestValidationException}, listing every problem: first the
 * input guard's ({@link findUnsafeInput} with its defaults: control
 * characters such as NUL, lone surrogates, reserved keys, nesting deeper
 * than 32), then class-validator's field errors. So a request built from a
 * path parameter is checked as strictly as a body. Events are passed
 * through: incoming events are validated when they are read from the bus.
 * @publicApi
 */
@Injectable()
export class ValidationMiddleware implements Middleware {
  private readonly options: ValidatorOptions = { forbidUnknownValues: false };

  async handle(message: object, next: NextFunction, context: MiddlewareContext): Promise<unknown> {
    if (context.kind === 'request') {
      const problems = findUnsafeInput(message, {}, context.messageType);
      const errors = await validate(message, this.options);
      if (problems.length || errors.length) {
        throw new RequestValidationException(context.messageType.name, [...problems, ...formatValidationErrors(errors)]);
      }
    }
    return next(message);
  }
}
