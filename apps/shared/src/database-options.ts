import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DATABASE_LOGGING, DatabaseLogger } from './database-logger.js';

/** The schemes DATABASE_URL may start with. */
export const DATABASE_URL_SCHEMES = ['sqlite', 'postgres', 'postgresql', 'mysql', 'mariadb'] as const;

/** The part of a database URL before the first `:`. */
export const databaseSchemeOf = (url: string): string => url.slice(0, url.indexOf(':'));

/**
 * Shared by the sample apps. Turns DATABASE_URL into TypeORM options: `sqlite:<file>` (the embedded
 * default), `postgres://…`, or `mysql://…` / `mariadb://…`. Logs through {@link DatabaseLogger}: failed
 * queries without their parameter values.
 */
export function databaseOptions(url: string): DataSourceOptions {
  return { ...connectionOptions(url), logging: DATABASE_LOGGING, logger: new DatabaseLogger() } as DataSourceOptions;
}

function connectionOptions(url: string): DataSourceOptions {
  const scheme = databaseSchemeOf(url);
  switch (scheme) {
    case 'sqlite': {
      const database = url.slice('sqlite:'.length).replace(/^\/\//, '') || ':memory:';
      if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
      return { type: 'better-sqlite3', database, enableWAL: true };
    }
    case 'postgres':
    case 'postgresql':
      return { type: 'postgres', url };
    case 'mysql':
    case 'mariadb':
      return { type: 'mysql', url: url.replace(/^mariadb:/, 'mysql:') };
    default:
      throw new Error(`DATABASE_URL must start with sqlite:, postgres://, mysql:// or mariadb:// (got "${scheme}:")`);
  }
}
