// The three databases the inbox runs on, and how to reach them (tests fail, never skip, when one is down).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { selectDatabases } from '../outbox/databases.js';

type Entities = MixedList<Function | string | EntitySchema>;

export interface InboxTestDatabase {
  readonly name: 'postgres' | 'mariadb' | 'sqlite';
  options(entities: Entities): DataSourceOptions;
  readonly startHint: string;
}

const sqliteFile = join(mkdtempSync(join(tmpdir(), 'inbox-test-')), `inbox-${randomBytes(4).toString('hex')}.sqlite`);

const ALL_INBOX_DATABASES: readonly InboxTestDatabase[] = [
  {
    name: 'postgres',
    options: (entities) => ({ type: 'postgres', url: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', entities, poolSize: 10 }),
    startHint: 'start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), set POSTGRES_URL, or run `npm test`',
  },
  {
    name: 'mariadb',
    options: (entities) => ({ type: 'mariadb', url: process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test', entities, poolSize: 10 }),
    startHint: 'start MariaDB (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd), set MARIADB_URL, or run `npm test`',
  },
  {
    name: 'sqlite',
    options: (entities) => ({ type: 'better-sqlite3', database: sqliteFile, entities, timeout: 10_000 }),
    startHint: 'SQLite needs no server; check that better-sqlite3 is built (npm rebuild better-sqlite3)',
  },
];

/** The databases this run tests: all three, or those TEST_DATABASES names (see test/outbox/databases.ts). */
export const inboxDatabases: readonly InboxTestDatabase[] = selectDatabases(ALL_INBOX_DATABASES);

export async function connectInboxDatabase(db: InboxTestDatabase, entities: Entities, extra: Partial<DataSourceOptions> = {}): Promise<DataSource> {
  const dataSource = new DataSource({ ...db.options(entities), ...extra } as DataSourceOptions);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new Error(`${db.name} is not reachable (${(error as Error).message}): ${db.startHint}`);
  }
}

/** Test files run in parallel on the same databases: each uses tables of its own. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}
