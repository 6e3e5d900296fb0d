import type { ColumnType, DataSourceOptions, EntitySchema } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { outboxDatabaseOf, parseTableName, type OutboxDatabase } from './outbox-database.js';
import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import type { OutboxStatus } from './outbox-status.js';

/**
 * One outbox row as TypeORM hydrates it through {@link createOutboxEntity}.
 * The relay itself reads and writes with plain SQL and does not need it.
 * @publicApi
 */
export interface OutboxRecord {
  /** Sequential; bigint, so a string on PostgreSQL and MySQL. */
  id: string;
  eventId: string;
  eventName: string;
  topic: string;
  /** Ordering/partition key (e.g. the aggregate id). */
  eventKey: string | null;
  /** The python-cqrs JSON body, compressed with {@link codec}. */
  payload: Buffer;
  contentType: string;
  codec: string;
  /** JSON object of message headers. */
  headers: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  createdAt: Date;
  publishedAt: Date | null;
}

interface ColumnSpec {
  readonly property: keyof OutboxRecord;
  readonly name: string;
  readonly type: Record<OutboxDatabase, ColumnType>;
  readonly length?: number;
  readonly nullable?: boolean;
  readonly primary?: boolean;
}

const varchar = { postgres: 'varchar', mysql: 'varchar', sqlite: 'varchar' } as const;
const text = { postgres: 'text', mysql: 'text', sqlite: 'text' } as const;
const time = { postgres: 'timestamptz', mysql: 'datetime', sqlite: 'datetime' } as const;

// One list feeds both the entity (synchronize) and the migration, so the two cannot drift.
const COLUMNS: readonly ColumnSpec[] = [
  { property: 'id', name: 'id', type: { postgres: 'bigint', mysql: 'bigint', sqlite: 'integer' }, primary: true },
  { property: 'eventId', name: 'event_id', type: varchar, length: 128 },
  { property: 'eventName', name: 'event_name', type: varchar, length: 255 },
  { property: 'topic', name: 'topic', type: varchar, length: 255 },
  { property: 'eventKey', name: 'event_key', type: varchar, length: 255, nullable: true },
  { property: 'payload', name: 'payload', type: { postgres: 'bytea', mysql: 'longblob', sqlite: 'blob' } },
  { property: 'contentType', name: 'content_type', type: varchar, length: 128 },
  { property: 'codec', name: 'codec', type: varchar, length: 16 },
  { property: 'headers', name: 'headers', type: text },
  { property: 'status', name: 'status', type: varchar, length: 16 },
  { property: 'attempts', name: 'attempts', type: { postgres: 'integer', mysql: 'int', sqlite: 'integer' } },
  { property: 'nextAttemptAt', name: 'next_attempt_at', type: time },
  { property: 'lastError', name: 'last_error', type: text, nullable: true },
  { property: 'lockedBy', name: 'locked_by', type: varchar, length: 128, nullable: true },
  { property: 'lockedUntil', name: 'locked_until', type: time, nullable: true },
  { property: 'createdAt', name: 'created_at', type: time },
  { property: 'publishedAt', name: 'published_at', type: time, nullable: true },
];

/** Milliseconds on MySQL/MariaDB (the default there is whole seconds). */
const precisionOf = (spec: ColumnSpec, db: OutboxDatabase) => (db === 'mysql' && spec.type.mysql === 'datetime' ? 3 : undefined);

interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Partial index predicate (PostgreSQL only). */
  readonly where?: string;
}

const PENDING = `status = 'pending'`;

function indexesOf(table: string, db: OutboxDatabase): IndexSpec[] {
  const eventId = { name: `${table}_event_id_key`, columns: ['event_id'], unique: true };
  if (db === 'postgres') {
    // Partial indexes: a status change moves a row out of the pending indexes, so they hold only what
    // is still to publish (plus dead versions until vacuum). A claim from the start of the table then
    // reads the pending rows, not every row published so far, and no plan can pick the primary key
    // instead and filter its way through a million published rows.
    return [
      // The claim: pending rows in id order (next_attempt_at and the lease are filters).
      { name: `${table}_pending_id_idx`, columns: ['id'], unique: false, where: PENDING },
      // Per-key ordering: whether an older row of a key is pending.
      { name: `${table}_pending_key_id_idx`, columns: ['event_key', 'id'], unique: false, where: PENDING },
      // Per-key ordering: the keys held back by a retry (only rows that failed a publish are in it).
      { name: `${table}_retrying_key_idx`, columns: ['event_key'], unique: false, where: `${PENDING} AND attempts > 0` },
      // Retention: published rows by age. The admin: dead rows in id order.
      { name: `${table}_published_at_idx`, columns: ['published_at'], unique: false, where: `status = 'published'` },
      { name: `${table}_dead_id_idx`, columns: ['id'], unique: false, where: `status = 'dead'` },
      eventId,
    ];
  }
  return [
    // The claim: status = 'pending' scanned in id order (next_attempt_at and the lease are filters).
    { name: `${table}_status_id_idx`, columns: ['status', 'id'], unique: false },
    // Per-key ordering: the oldest pending row of a key, and whether an older one is pending.
    { name: `${table}_key_status_id_idx`, columns: ['event_key', 'status', 'id'], unique: false },
    // Retention and stats: published rows by age.
    { name: `${table}_status_published_idx`, columns: ['status', 'published_at'], unique: false },
    eventId,
  ];
}

/** Options of {@link createOutboxEntity} and the outbox migrations ({@link createOutboxMigrations}). @publicApi */
export interface OutboxTableOptions {
  /**
   * `table` or `schema.table`; the same as `OutboxModuleOptions.tableName`.
   * @default 'outbox'
   */
  tableName?: string;
}

/**
 * The outbox table as a TypeORM `EntitySchema`, for the data source's
 * `entities` (needed for `synchronize`; the relay itself uses plain SQL).
 *
 * @example
 * new DataSource({ type: 'postgres', url, entities: [Booking, createOutboxEntity({ databaseType: 'postgres' })], synchronize: true });
 * @publicApi
 */
export function createOutboxEntity(options: OutboxTableOptions & { databaseType: DataSourceOptions['type'] }): EntitySchema<OutboxRecord> {
  const db = outboxDatabaseOf(options.databaseType);
  const tableName = options.tableName ?? OUTBOX_DEFAULTS.tableName;
  const { schema, table } = parseTableName(tableName);
  const columns: Record<string, object> = {};
  for (const spec of COLUMNS) {
    columns[spec.property] = {
      name: spec.name,
      type: spec.type[db],
      length: spec.length,
      precision: precisionOf(spec, db),
      nullable: spec.nullable ?? false,
      primary: spec.primary,
      generated: spec.primary ? 'increment' : undefined,
    };
  }
  const { EntitySchema } = requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createOutboxEntity');
  return new EntitySchema<OutboxRecord>({
    name: `OutboxRecord:${tableName}`,
    tableName: table,
    schema,
    columns,
    indices: indexesOf(table, db).map((i) => ({
      name: i.name,
      unique: i.unique,
      where: i.where,
      columns: i.columns.map((c) => COLUMNS.find((s) => s.name === c)!.property),
    })),
  });
}
