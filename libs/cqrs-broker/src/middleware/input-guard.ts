import {
  INPUT_CONTROL_CHARACTER,
  INPUT_KEY_CONTROL_CHARACTER,
  INPUT_MALFORMED_UNICODE,
  INPUT_RESERVED_KEY,
  INPUT_TOO_DEEP,
} from '../errors/messages.js';

/**
 * Limits of {@link findUnsafeInput}, {@link InputGuardPipe} and
 * {@link ValidationMiddleware}.
 * @publicApi
 */
export interface InputGuardOptions {
  /**
   * Deepest nesting of objects and arrays accepted; the top-level object is
   * depth 1. Checked before class-transformer runs, which recurses once per
   * level and overflows the stack a few thousand levels down.
   * @default 32
   */
  readonly maxDepth?: number;
}

/** The defaults of {@link InputGuardOptions}. @publicApi */
export const INPUT_GUARD_DEFAULTS: Required<InputGuardOptions> = Object.freeze({ maxDepth: 32 });

/**
 * Keys refused at every depth: the members of `Object.prototype`
 * (`__proto__`, `constructor`, `hasOwnProperty`, `toString`, …) and
 * `prototype`. class-transformer skips keys that name a method of the target,
 * so a whitelist never sees them; they are never a field of a DTO.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * C0 control characters other than tab, line feed and carriage return, and
 * DEL. NUL is among them: PostgreSQL cannot store it in text and MySQL
 * would store it silently.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A UTF-16 surrogate without its pair: not well-formed Unicode, so no database can store it as sent. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The problems of an untrusted input (a parsed JSON body, a query object, a
 * path parameter or a request built from them), as messages naming where
 * each is (`payload.note`, `tags[2]`), empty when there are none:
 *
 * - nesting deeper than `maxDepth`;
 * - a reserved key ({@link RESERVED_KEYS}) at any depth, or at the top a key
 *   naming a member of `type`'s prototype chain;
 * - a control character (NUL, C0 other than tab/LF/CR, DEL) in a string or
 *   a key;
 * - a string that is not well-formed Unicode (a lone surrogate).
 *
 * `type` is the class the input will become, `name` what to call the input
 * itself in messages (a path parameter's name, say). It walks iteratively, so no input can overflow the stack, and goes no
 * deeper than `maxDepth`.
 *
 * @example
 * findUnsafeInput({ userId: 'a\u0000b' }); // ['userId must not contain control characters']
 * @publicApi
 */
export function findUnsafeInput(input: unknown, options: InputGuardOptions = {}, type?: Function, name = 'value'): string[] {
  const maxDepth = options.maxDepth ?? INPUT_GUARD_DEFAULTS.maxDepth;
  const problems: string[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: '', depth: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value, path || name);
      if (problem) problems.push(problem);
      continue;
    }
    if (typeof value !== 'object' || value === null || seen.has(value) || value instanceof Date || ArrayBuffer.isView(value)) continue;
    seen.add(value);
    if (depth + 1 > maxDepth) {
      problems.push(INPUT_TOO_DEEP(path || name, maxDepth));
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const keyPath = path ? `${path}.${key}` : key;
      if (CONTROL_CHARACTER.test(key) || LONE_SURROGATE.test(key)) {
        problems.push(INPUT_KEY_CONTROL_CHARACTER(path || name));
        continue;
      }
      if (RESERVED_KEYS.has(key) || (depth === 0 && type !== undefined && isInheritedMember(type, key))) {
        problems.push(INPUT_RESERVED_KEY(keyPath));
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: keyPath, depth: depth + 1 });
    }
  }
  return problems;
}

function stringProblem(value: string, path: string): string | undefined {
  if (CONTROL_CHARACTER.test(value)) return INPUT_CONTROL_CHARACTER(path);
  if (LONE_SURROGATE.test(value)) return INPUT_MALFORMED_UNICODE(path);
  return undefined;
}

/** A method or accessor of `type`'s instances (not a field): class-transformer would skip it silently. */
function isInheritedMember(type: Function, key: string): boolean {
  return typeof type.prototype === 'object' && type.prototype !== null && key in type.prototype;
}
