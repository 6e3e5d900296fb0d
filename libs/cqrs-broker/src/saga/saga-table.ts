import type { ColumnType, DataSourceOptions, EntitySchema, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { outboxDatabaseOf, parseTableName, type OutboxDatabase } from '../outbox/outbox-database.js';
import { SAGA_DEFAULTS } from './saga-defaults.js';

/**
 * One row of the saga log as TypeORM hydrates it through
 * {@link createSagaLogEntity}. The saga module itself reads and writes with
 * plain query builders and does not need it.
 * @publicApi
 */
export interface SagaLogRecord {
  id: string;
  name: string;
  state: string;
  /** The saga context, JSON. */
  context: string;
  /** The steps' status and attempts, a JSON array. */
  steps: string;
  /** The error that made the saga compensate or fail, kept for a human. */
  error: string | null;
  /** Optimistic concurrency: every write checks and increments it. */
  version: number;
  recoveryAttempts: number;
  leaseOwner: string | null;
  /** Epoch milliseconds (bigint: a string on PostgreSQL and MySQL). */
  leaseUntil: string | number;
  createdAt: string | number;
  updatedAt: string | number;
}

interface ColumnSpec {
  readonly property: keyof SagaLogRecord;
  readonly name: string;
  readonly type: Record<OutboxDatabase, ColumnType>;
  readonly length?: number;
  readonly nullable?: boolean;
  readonly primary?: boolean;
}

const varchar = { postgres: 'varchar', mysql: 'varchar', sqlite: 'varchar' } as const;
const text = { postgres: 'text', mysql: 'mediumtext', sqlite: 'text' } as const;
const int = { postgres: 'integer', mysql: 'int', sqlite: 'integer' } as const;
// Times are epoch milliseconds: compared with the worker's clock, the same on the three databases.
const millis = { postgres: 'bigint', mysql: 'bigint', sqlite: 'integer' } as const;

// One list feeds both the entity (synchronize) and the migration, so the two cannot drift.
const COLUMNS: readonly ColumnSpec[] = [
  { property: 'id', name: 'id', type: varchar, length: 128, primary: true },
  { property: 'name', name: 'name', type: varchar, length: 255 },
  { property: 'state', name: 'state', type: varchar, length: 16 },
  { property: 'context', name: 'context', type: text },
  { property: 'steps', name: 'steps', type: text },
  { property: 'error', name: 'error', type: text, nullable: true },
  { property: 'version', name: 'version', type: int },
  { property: 'recoveryAttempts', name: 'recovery_attempts', type: int },
  { property: 'leaseOwner', name: 'lease_owner', type: varchar, length: 128, nullable: true },
  { property: 'leaseUntil', name: 'lease_until', type: millis },
  { property: 'createdAt', name: 'created_at', type: millis },
  { property: 'updatedAt', name: 'updated_at', type: millis },
];

function indexesOf(table: string) {
  return [
    // The recovery's look (active states whose lease ran out) and the admin's list by state.
    { name: `${table}_state_lease_idx`, columns: ['state', 'lease_until'], unique: false },
    { name: `${table}_state_updated_idx`, columns: ['state', 'updated_at'], unique: false },
  ];
}

/** Options of {@link createSagaLogEntity} and {@link createSagaLogMigration}. @publicApi */
export interface SagaLogTableOptions {
  /**
   * `table` or `schema.table`; the same as `SagaModuleOptions.tableName`.
   * @default 'saga_log'
   */
  tableName?: string;
}

/**
 * The saga log as a TypeORM `EntitySchema`, for the data source's `entities`
 * (needed for `synchronize` only).
 *
 * @example
 * new DataSource({ type: 'postgres', url, entities: [createSagaLogEntity({ databaseType: 'postgres' })], synchronize: true });
 * @publicApi
 */
export function createSagaLogEntity(options: SagaLogTableOptions & { databaseType: DataSourceOptions['type'] }): EntitySchema<SagaLogRecord> {
  const db = outboxDatabaseOf(options.databaseType);
  const tableName = options.tableName ?? SAGA_DEFAULTS.tableName;
  const { schema, table } = parseTableName(tableName);
  const columns: Record<string, object> = {};
  for (const spec of COLUMNS) {
    columns[spec.property] = { name: spec.name, type: spec.type[db], length: spec.length, nullable: spec.nullable ?? false, primary: spec.primary };
  }
  const { EntitySchema } = requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createSagaLogEntity');
  return new EntitySchema<SagaLogRecord>({
    name: `SagaLogRecord:${tableName}`,
    tableName: table,
    schema,
    columns,
    indices: indexesOf(table).map((i) => ({ name: i.name, unique: i.unique, columns: i.columns.map((c) => COLUMNS.find((s) => s.name === c)!.property) })),
  });
}

/** The same table as a TypeORM `Table`, for migrations. */
export function createSagaLogTable(db: OutboxDatabase, tableName: string = SAGA_DEFAULTS.tableName): Table {
  const { schema, table } = parseTableName(tableName);
  const { Table } = requireOptionalPeer<typeof import('typeorm')>('typeorm', 'The saga log migration');
  return new Table({
    name: schema ? `${schema}.${table}` : table,
    columns: COLUMNS.map((spec) => ({
      name: spec.name,
      type: String(spec.type[db]),
      length: spec.length === undefined ? undefined : String(spec.length),
      isNullable: spec.nullable ?? false,
      isPrimary: spec.primary ?? false,
    })),
    indices: indexesOf(table).map((i) => ({ name: i.name, columnNames: [...i.columns], isUnique: i.unique })),
  });
}

/**
 * A migration class creating (and on revert dropping) the saga log with
 * exactly the schema `synchronize` gives {@link createSagaLogEntity}, on
 * PostgreSQL, MySQL/MariaDB and SQLite. Add it to your data source's
 * `migrations`; a shipped migration never changes (a later schema change
 * comes as a new migration).
 *
 * @example
 * new DataSource({ ..., migrations: [...createOutboxMigrations(), createSagaLogMigration(), ...yourMigrations] });
 * @publicApi
 */
export function createSagaLogMigration(options: SagaLogTableOptions & { timestamp?: number } = {}): new () => MigrationInterface {
  const tableName = options.tableName ?? SAGA_DEFAULTS.tableName;
  parseTableName(tableName);
  // TypeORM orders migrations by the 13-digit timestamp that ends their name.
  const name = `CreateSagaLogTable_${tableName.replace('.', '_')}${options.timestamp ?? 1780000000000}`;
  return class CreateSagaLogTable implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.createTable(createSagaLogTable(outboxDatabaseOf(queryRunner.connection), tableName), true);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(createSagaLogTable(outboxDatabaseOf(queryRunner.connection), tableName), true);
    }
  };
}
