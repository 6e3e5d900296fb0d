/**
 * What an indicator returns: `{ [key]: { status, ...details } }`, the shape of
 * `@nestjs/terminus`'s `HealthIndicatorResult`, so `HealthCheckService.check`
 * takes it as it is. A `down` is a result, not an exception; details never
 * hold error messages (they may name hosts), only states and numbers.
 * @publicApi
 */
export type CqrsHealthResult<Key extends string = string> = Record<Key, { status: 'up' | 'down' } & Record<string, unknown>>;

export function up<Key extends string>(key: Key, details: Record<string, unknown> = {}): CqrsHealthResult<Key> {
  return { [key]: { status: 'up', ...details } } as CqrsHealthResult<Key>;
}

export function down<Key extends string>(key: Key, details: Record<string, unknown> = {}): CqrsHealthResult<Key> {
  return { [key]: { status: 'down', ...details } } as CqrsHealthResult<Key>;
}
