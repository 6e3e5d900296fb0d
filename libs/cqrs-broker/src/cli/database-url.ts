import { existsSync } from 'node:fs';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { redactUrl } from '../brokers/redact-url.js';
import { CliUsageException } from '../errors/cli-usage.exception.js';
import { InvalidDatabaseUrlException } from '../errors/invalid-database-url.exception.js';
import { ServiceUnreachableException } from '../errors/service-unreachable.exception.js';
import type { CliContext } from './cli-command.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * TypeORM options for a database URL as the admin CLI takes it (`DATABASE_URL`):
 * - `postgres://user:pass@host:5432/db` (or `postgresql://`);
 * - `mysql://user:pass@host:3306/db`, `mariadb://…`;
 * - a SQLite file (better-sqlite3): `sqlite:///abs/path.db`, `sqlite:rel/path.db`,
 *   `file:…`, or a plain path. The file must exist.
 * Throws {@link InvalidDatabaseUrlException} (URL redacted) otherwise.
 */
export function dataSourceOptionsFromUrl(url: string): DataSourceOptions {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  const invalid = (reason: string) => new InvalidDatabaseUrlException(redactUrl(trimmed), reason);
  const common = { logging: false as const, entities: [], migrations: [] };
  // A Windows drive letter is a path, not a scheme.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(trimmed)) return sqlite(trimmed, invalid, common);
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      checkUrl(trimmed, invalid);
      return { ...common, type: 'postgres', url: trimmed, connectTimeoutMS: CONNECT_TIMEOUT_MS };
    case 'mysql':
    case 'mariadb':
      checkUrl(trimmed, invalid);
      return { ...common, type: scheme, url: trimmed.replace(/^mariadb:/i, 'mysql:'), connectTimeout: CONNECT_TIMEOUT_MS };
    case 'sqlite':
    case 'file':
      return sqlite(trimmed.replace(/^[a-z]+:(\/\/)?/i, ''), invalid, common);
    default:
      throw invalid(`unknown scheme "${scheme}" (use postgres://, mysql://, mariadb:// or a SQLite file path)`);
  }
}

function checkUrl(url: string, invalid: (reason: string) => InvalidDatabaseUrlException): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('not a valid URL');
  }
  if (!parsed.hostname) throw invalid('no host');
  if (parsed.pathname.length <= 1) throw invalid('no database name');
}

function sqlite(path: string, invalid: (reason: string) => InvalidDatabaseUrlException, common: object): DataSourceOptions {
  if (!path) throw invalid('no SQLite file');
  if (!existsSync(path)) throw invalid(`no such SQLite file (the CLI does not create one)`);
  return { ...common, type: 'better-sqlite3', database: path };
}

/** The database URL of `--database-url` or `DATABASE_URL`, registered as a secret; a usage error when neither is set. */
export function databaseUrlOf(context: CliContext<Record<string, string | boolean | string[] | undefined>>): string {
  const url = (context.values['database-url'] as string | undefined) ?? context.env.DATABASE_URL;
  context.secret(url);
  if (!url) throw new CliUsageException('no database: set DATABASE_URL or pass --database-url');
  return url;
}

/**
 * Opens a DataSource on `url`, runs `work` with it and closes it. A
 * connection that fails is a {@link ServiceUnreachableException} (URL
 * redacted). TypeORM is loaded only here, so commands without a database
 * work without it.
 */
export async function withDatabase<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const options = dataSourceOptionsFromUrl(url);
  const { DataSource } = await import('typeorm');
  const dataSource = new DataSource(options);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new ServiceUnreachableException(redactUrl(url), error);
  }
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
