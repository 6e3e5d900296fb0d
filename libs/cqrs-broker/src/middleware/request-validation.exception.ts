import { BadRequestException } from '@nestjs/common';

/**
 * A request failed class-validator checks. It is a `BadRequestException`, so
 * a controller that lets it through answers 400 with every field message.
 * @publicApi
 */
export class RequestValidationException extends BadRequestException {
  constructor(
    readonly requestName: string,
    readonly messages: string[],
  ) {
    super({ statusCode: 400, error: 'Bad Request', message: messages }, { description: `Invalid ${requestName}` });
    this.name = 'RequestValidationException';
  }
}
