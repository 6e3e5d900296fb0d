import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * For `@Body(NoBodyPipe)` on a route that takes no body: an absent or empty
 * body passes; anything else is a 400 naming each field, as
 * `forbidNonWhitelisted` would, so a client learns its fields were ignored.
 */
@Injectable()
export class NoBodyPipe implements PipeTransform {
  transform(body: unknown): undefined {
    if (body === undefined || (isPlainObject(body) && Object.keys(body).length === 0)) return undefined;
    const messages = isPlainObject(body) ? Object.keys(body).map((key) => `property ${key} should not exist`) : ['this route takes no body'];
    throw new BadRequestException(messages);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
