import type { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../inbox/unique-violation.js';
import { sleep } from '../retry/sleep.js';
import { outboxDatabaseOf, parseTableName } from '../outbox/outbox-database.js';
import type { SagaRecord, SagaStepRecord } from './saga-record.js';
import { ACTIVE_SAGA_STATES, type SagaState } from './saga-state.js';

/** The columns one write may change (the version and `updated_at` are set by {@link SagaLog.update}). */
export interface SagaLogChanges {
  state?: SagaState;
  context?: Record<string, unknown>;
  steps?: readonly SagaStepRecord[];
  error?: string | null;
  recoveryAttempts?: number;
  leaseOwner?: string | null;
  leaseUntil?: number;
}

/** Filters of {@link SagaLog.list}. @publicApi */
export interface SagaListQuery {
  readonly state?: SagaState;
  readonly name?: string;
  /** @default 50 */
  readonly limit?: number;
  /** @default 0 */
  readonly offset?: number;
}

const COLUMNS = ['id', 'name', 'state', 'context', 'steps', 'error', 'version', 'recovery_attempts', 'lease_owner', 'lease_until', 'created_at', 'updated_at'] as const;

/**
 * The saga log on TypeORM: one row per saga, with its state, context and
 * steps as JSON, and a version that every write checks and increments
 * (optimistic concurrency), so of two workers writing the same version only
 * one succeeds. Every statement touches one row by primary key, except the
 * recovery's and the admin's reads. Plain SQL, so it works whether or not the
 * entity is registered with the data source.
 */
export class SagaLog {
  private readonly table: string;
  private readonly postgres: boolean;
  private readonly sqlite?: SqliteConnection;

  constructor(
    readonly dataSource: DataSource,
    readonly tableName: string,
  ) {
    const { schema, table } = parseTableName(tableName);
    const escape = (name: string) => dataSource.driver.escape(name);
    this.table = schema ? `${escape(schema)}.${escape(table)}` : escape(table);
    const database = outboxDatabaseOf(dataSource);
    this.postgres = database === 'postgres';
    if (database === 'sqlite') this.sqlite = sqliteConnectionOf(dataSource);
  }

  /** `?` placeholders as the driver wants them. */
  private sql(text: string): string {
    if (!this.postgres) return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  }

  private async read(text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    if (this.sqlite) return this.sqlite.exclusive(async () => this.sqlite!.statement(text).all(...params) as Record<string, unknown>[]);
    return (await this.dataSource.query(this.sql(text), params)) as Record<string, unknown>[];
  }

  /** Runs a write and returns the rows it changed (`manager`: inside its transaction). */
  private async execute(text: string, params: unknown[], manager?: EntityManager): Promise<number> {
    if (manager?.queryRunner) return (await manager.queryRunner.query(this.sql(text), params, true)).affected ?? 0;
    if (this.sqlite) return this.sqlite.exclusive(async () => this.sqlite!.statement(text).run(...params).changes);
    const runner = this.dataSource.createQueryRunner();
    try {
      return (await runner.query(this.sql(text), params, true)).affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs a step's work in a transaction of the log's data source. On SQLite
   * the step transactions of this process take turns (TypeORM gives every
   * caller the one connection, so two open transactions would be one).
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.sqlite) return this.sqlite.exclusive(() => this.dataSource.transaction(work));
    return this.dataSource.transaction(work);
  }

  /** Stores a new saga; false if a saga with its id exists already. */
  async insert(record: SagaRecord): Promise<boolean> {
    const values = [
      record.id,
      record.name,
      record.state,
      JSON.stringify(record.context),
      JSON.stringify(record.steps),
      record.error,
      record.version,
      record.recoveryAttempts,
      record.leaseOwner,
      record.leaseUntil,
      record.createdAt,
      record.updatedAt,
    ];
    try {
      await this.execute(`INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`, values);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async load(id: string): Promise<SagaRecord | null> {
    const [row] = await this.read(`SELECT * FROM ${this.table} WHERE id = ?`, [id]);
    return row ? recordOf(row) : null;
  }

  /**
   * Writes `changes` if the saga is still at `expectedVersion`, moving it to
   * the next version; false if another write came first. `manager` makes
   * the write part of a step's transaction.
   */
  async update(id: string, expectedVersion: number, changes: SagaLogChanges, now: number, manager?: EntityManager): Promise<boolean> {
    const set: [string, unknown][] = [
      ['version', expectedVersion + 1],
      ['updated_at', now],
    ];
    if (changes.state !== undefined) set.push(['state', changes.state]);
    if (changes.context !== undefined) set.push(['context', JSON.stringify(changes.context)]);
    if (changes.steps !== undefined) set.push(['steps', JSON.stringify(changes.steps)]);
    if (changes.error !== undefined) set.push(['error', changes.error]);
    if (changes.recoveryAttempts !== undefined) set.push(['recovery_attempts', changes.recoveryAttempts]);
    if (changes.leaseOwner !== undefined) set.push(['lease_owner', changes.leaseOwner]);
    if (changes.leaseUntil !== undefined) set.push(['lease_until', changes.leaseUntil]);
    const assignments = set.map(([column]) => `${column} = ?`).join(', ');
    const affected = await this.execute(`UPDATE ${this.table} SET ${assignments} WHERE id = ? AND version = ?`, [...set.map(([, value]) => value), id, expectedVersion], manager);
    return affected === 1;
  }

  /** Running or compensating sagas whose lease ran out before `now`, least recently updated first. */
  async findInterrupted(now: number, limit: number): Promise<SagaRecord[]> {
    const rows = await this.read(
      `SELECT * FROM ${this.table} WHERE state IN (${ACTIVE_SAGA_STATES.map(() => '?').join(', ')}) AND lease_until < ? ORDER BY updated_at ASC LIMIT ${Math.trunc(limit)}`,
      [...ACTIVE_SAGA_STATES, now],
    );
    return rows.map(recordOf);
  }

  async list(query: SagaListQuery = {}): Promise<SagaRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state) where.push('state = ?') && params.push(query.state);
    if (query.name) where.push('name = ?') && params.push(query.name);
    const rows = await this.read(
      `SELECT * FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id ASC LIMIT ${Math.trunc(query.limit ?? 50)} OFFSET ${Math.trunc(query.offset ?? 0)}`,
      params,
    );
    return rows.map(recordOf);
  }

  /** How many sagas are in each state. */
  async countByState(): Promise<Partial<Record<SagaState, number>>> {
    const rows = await this.read(`SELECT state, COUNT(*) AS count FROM ${this.table} GROUP BY state`, []);
    return Object.fromEntries(rows.map((row) => [String(row.state), Number(row.count)]));
  }
}

/** The part of a better-sqlite3 handle the log uses. */
interface SqliteHandle {
  readonly inTransaction: boolean;
  prepare(sql: string): { all(...values: unknown[]): unknown[]; run(...values: unknown[]): { changes: number } };
}

/** How often to look again while someone else's transaction is open on the shared SQLite connection. */
const TRANSACTION_RECHECK_MS = 2;

/**
 * SQLite through better-sqlite3, where TypeORM gives every caller the same
 * connection: a statement sent while a transaction is open would join it
 * (and roll back with it). The log's statements therefore take turns with
 * the step transactions of this process (one lock per data source), wait
 * until no other transaction is open, and run synchronously on the raw
 * handle, so nothing can open a transaction in between.
 */
class SqliteConnection {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, ReturnType<SqliteHandle['prepare']>>();

  constructor(private readonly dataSource: DataSource) {}

  private get handle(): SqliteHandle {
    return (this.dataSource.driver as unknown as { databaseConnection: SqliteHandle }).databaseConnection;
  }

  statement(sql: string): ReturnType<SqliteHandle['prepare']> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.handle.prepare(sql)));
    return statement;
  }

  /** Runs `work` after the work queued before it, once no transaction is open on the connection. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      while (this.handle.inTransaction) await sleep(TRANSACTION_RECHECK_MS);
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

const sqliteConnections = new WeakMap<DataSource, SqliteConnection>();

function sqliteConnectionOf(dataSource: DataSource): SqliteConnection {
  let connection = sqliteConnections.get(dataSource);
  if (!connection) sqliteConnections.set(dataSource, (connection = new SqliteConnection(dataSource)));
  return connection;
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

function recordOf(row: Record<string, unknown>): SagaRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    state: row.state as SagaState,
    context: JSON.parse(text(row.context)) as Record<string, unknown>,
    steps: JSON.parse(text(row.steps)) as SagaStepRecord[],
    error: row.error === null || row.error === undefined ? null : text(row.error),
    version: Number(row.version),
    recoveryAttempts: Number(row.recovery_attempts),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseUntil: Number(row.lease_until),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
