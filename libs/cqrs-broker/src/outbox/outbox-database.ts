import type { DataSource, DataSourceOptions } from 'typeorm';
import { InvalidTableNameException } from '../errors/invalid-table-name.exception.js';
import { UnsupportedDatabaseException } from '../errors/unsupported-database.exception.js';

/** The SQL families the outbox speaks. */
export type OutboxDatabase = 'postgres' | 'mysql' | 'sqlite';

/**
 * Maps a TypeORM driver type to the outbox's SQL family. SQLite means
 * better-sqlite3: the relay needs its synchronous handle (see the SQLite dialect).
 */
export function outboxDatabaseOf(type: DataSourceOptions['type'] | DataSource): OutboxDatabase {
  const name = typeof type === 'string' ? type : type.options.type;
  switch (name) {
    case 'postgres':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'better-sqlite3':
      return 'sqlite';
    default:
      throw new UnsupportedDatabaseException(String(name));
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** Splits and checks `table` or `schema.table`; names end up in SQL, so only plain identifiers pass. */
export function parseTableName(tableName: string): { schema?: string; table: string } {
  const parts = tableName.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new InvalidTableNameException(tableName);
  }
  return parts.length === 2 ? { schema: parts[0], table: parts[1] } : { table: parts[0] };
}
