import { BadRequestException } from '@nestjs/common';
import { CqrsBrokerErrorCode, type CqrsBrokerError } from './error-codes.js';

/**
 * A request failed class-validator checks. The one library exception meant
 * for HTTP: it is a `BadRequestException`, so a controller that lets it
 * through answers 400 with every field message.
 * @publicApi
 */
export class RequestValidationException extends BadRequestException implements CqrsBrokerError {
  readonly code = CqrsBrokerErrorCode.RequestValidation;

  constructor(
    readonly requestName: string,
    readonly messages: string[],
  ) {
    super({ statusCode: 400, error: 'Bad Request', message: messages }, { description: `Invalid ${requestName}` });
    this.name = 'RequestValidationException';
  }
}
