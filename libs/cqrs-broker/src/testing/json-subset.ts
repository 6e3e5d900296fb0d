const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * Whether `actual` (parsed JSON) contains `expected`: objects may have more
 * keys than `expected` names, at any depth; arrays match element by element
 * and have the same length; a `Date` in `expected` matches its ISO string;
 * everything else is compared with `Object.is`.
 */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected instanceof Date) return actual === expected.toISOString() || (actual instanceof Date && actual.getTime() === expected.getTime());
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => containsSubset(actual[i], item));
  }
  if (isPlainObject(expected)) {
    return isPlainObject(actual) && Object.entries(expected).every(([key, value]) => Object.hasOwn(actual, key) && containsSubset(actual[key], value));
  }
  return Object.is(actual, expected);
}
