// The databases the HTTP e2e suite runs on: each run gets a database of its own, created here and dropped after.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';

export interface E2eDatabase {
  readonly name: 'sqlite' | 'postgres' | 'mariadb';
  /** Creates a fresh, empty database and returns its DATABASE_URL; fails (never skips) when the server is down. */
  create(): Promise<string>;
  drop(): Promise<void>;
  /** A second connection of the test's own, for locks and kills (networked databases only). */
  admin?(): Promise<AdminConnection>;
}

/** What the stale-connection tests do beside the app. */
export interface AdminConnection {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_URL = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function sqlite(): E2eDatabase {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    async create() {
      dir = mkdtempSync(join(tmpdir(), 'meeting-rooms-e2e-'));
      return `sqlite:${join(dir, 'db.sqlite')}`;
    },
    async drop() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A data source of one connection on `url`, failing (never skipping) with how to start the server when it is down. */
async function connect(type: 'postgres' | 'mariadb', url: string, hint: string): Promise<DataSource> {
  const dataSource = new DataSource({ type, url, poolSize: 1 } as DataSourceOptions);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new Error(`${type} is not reachable (${(error as Error).message}): ${hint}`);
  }
}

/** One dedicated connection of a query runner: its locks stay held between calls. */
async function adminConnection(type: 'postgres' | 'mariadb', url: string): Promise<AdminConnection> {
  const dataSource = await connect(type, url, '');
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  return {
    query: (sql) => runner.query(sql),
    close: async () => {
      await runner.release();
      await dataSource.destroy();
    },
  };
}

function networked(name: 'postgres' | 'mariadb', serverUrl: string, hint: string, create: (database: string) => string, drop: (database: string) => string): E2eDatabase {
  const database = `e2e_${randomBytes(4).toString('hex')}`;
  const onServer = async (sql: string) => {
    const dataSource = await connect(name, serverUrl, hint);
    try {
      await dataSource.query(sql);
    } finally {
      await dataSource.destroy();
    }
  };
  return {
    name,
    async create() {
      await onServer(create(database));
      return withDatabase(serverUrl, database);
    },
    drop: () => onServer(drop(database)),
    admin: () => adminConnection(name, withDatabase(serverUrl, database)),
  };
}

const postgres = () =>
  networked(
    'postgres',
    POSTGRES_URL,
    'start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set POSTGRES_URL',
    (database) => `CREATE DATABASE ${database}`,
    (database) => `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
  );

const mariadb = () =>
  networked(
    'mariadb',
    MARIADB_URL,
    'start MariaDB (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd) or set MARIADB_URL',
    (database) => `CREATE DATABASE ${database} CHARACTER SET utf8mb4`,
    (database) => `DROP DATABASE IF EXISTS ${database}`,
  );

/** A fresh set per suite run: SQLite, PostgreSQL, MariaDB. */
export const e2eDatabases = (): E2eDatabase[] => [sqlite(), postgres(), mariadb()];
