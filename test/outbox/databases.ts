// The three databases every outbox test runs against, and how to reach them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';

export interface TestDatabase {
  readonly name: 'postgres' | 'mariadb' | 'sqlite';
  readonly type: 'postgres' | 'mariadb' | 'better-sqlite3';
  /** A data source on this database (a new connection pool each call; SQLite: the same file). */
  options(entities?: MixedList<Function | string | EntitySchema>): DataSourceOptions;
  readonly startHint: string;
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'outbox-test-'));

/** One SQLite file per test file (module instance), shared by its data sources. */
const sqliteFile = join(sqliteDir, `outbox-${randomBytes(4).toString('hex')}.sqlite`);

const ALL_DATABASES: readonly TestDatabase[] = [
  {
    name: 'postgres',
    type: 'postgres',
    options: (entities = []) => ({ type: 'postgres', url: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', entities, poolSize: 5 }),
    startHint: 'start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set POSTGRES_URL',
  },
  {
    name: 'mariadb',
    type: 'mariadb',
    options: (entities = []) => ({ type: 'mariadb', url: process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test', entities, poolSize: 5 }),
    startHint: 'start MariaDB (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd) or set MARIADB_URL',
  },
  {
    name: 'sqlite',
    type: 'better-sqlite3',
    options: (entities = []) => ({
      type: 'better-sqlite3',
      database: sqliteFile,
      entities,
      // WAL and a busy timeout let several connections (relays) share the file.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => void db.pragma("journal_mode = WAL"),
      timeout: 10_000,
    }),
    startHint: 'SQLite needs no server; check that better-sqlite3 is built (npm rebuild better-sqlite3)',
  },
];

/**
 * The databases this run tests: all three, or those TEST_DATABASES names (comma-separated; the
 * Nest 11 run of scripts/test.mjs sets `sqlite`). An unknown name fails, so a typo cannot empty the run.
 */
export const databases: readonly TestDatabase[] = selectDatabases(ALL_DATABASES);

export function selectDatabases<T extends { readonly name: string }>(all: readonly T[]): readonly T[] {
  const names = process.env.TEST_DATABASES?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!names?.length) return all;
  const unknown = names.filter((name) => !all.some((db) => db.name === name));
  if (unknown.length) throw new Error(`TEST_DATABASES names unknown database(s) ${unknown.join(', ')}: use ${all.map((db) => db.name).join(', ')}`);
  return all.filter((db) => names.includes(db.name));
}

/** One database by name, whether or not this run selected it (for tests of one database's feature). */
export function databaseNamed(name: TestDatabase['name']): TestDatabase {
  return ALL_DATABASES.find((db) => db.name === name)!;
}

/** Opens a data source, failing (never skipping) with how to start the database when it is down. */
export async function connect(db: TestDatabase, entities: MixedList<Function | string | EntitySchema> = [], extra: Partial<DataSourceOptions> = {}): Promise<DataSource> {
  const dataSource = new DataSource({ ...db.options(entities), ...extra } as DataSourceOptions);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new Error(`${db.name} is not reachable (${(error as Error).message}): ${db.startHint}`);
  }
}

/** A table name of our own: test files run in parallel on the same databases. */
export function uniqueTable(prefix: string): string {
  return `outbox_${prefix}_${randomBytes(3).toString('hex')}`;
}

export async function dropTable(dataSource: DataSource, table: string): Promise<void> {
  if (!dataSource.isInitialized) return;
  await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(table)}`);
}
