import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestValidationException } from '../errors/request-validation.exception.js';
import { findUnsafeInput, type InputGuardOptions } from './input-guard.js';

/** What it checks: HTTP arguments. Custom decorators and microservice payloads (inherited global pipes) pass untouched. */
const HTTP_ARGUMENTS: ReadonlySet<unknown> = new Set(['body', 'query', 'param']);

/**
 * A Nest pipe that refuses unsafe HTTP input with a 400
 * ({@link RequestValidationException}) before any other pipe sees it:
 * nesting deeper than `maxDepth`, reserved keys (`__proto__`,
 * `constructor`, `prototype`, `toString`, … and methods of the DTO),
 * control characters (NUL included) and lone surrogates in strings and
 * keys. See {@link findUnsafeInput}. It checks bodies, query objects and
 * path parameters, and changes nothing.
 *
 * Register it before `ValidationPipe`, whose class-transformer step
 * recurses once per nesting level and skips keys that name methods (so
 * `forbidNonWhitelisted` never sees `constructor` or `toString`):
 *
 * @example
 * app.useGlobalPipes(new InputGuardPipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
 * @publicApi
 */
@Injectable()
export class InputGuardPipe implements PipeTransform {
  constructor(private readonly options: InputGuardOptions = {}) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!HTTP_ARGUMENTS.has(metadata.type)) return value;
    const type = metadata.metatype && metadata.metatype !== Object ? metadata.metatype : undefined;
    // A path parameter or one query value is named by its key; a whole body or query object by its kind.
    const problems = findUnsafeInput(value, this.options, type, metadata.data ?? metadata.type);
    if (problems.length) throw new RequestValidationException(type?.name ?? metadata.type, problems);
    return value;
  }
}
