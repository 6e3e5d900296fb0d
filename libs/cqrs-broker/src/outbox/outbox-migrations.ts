import type { MigrationInterface, QueryRunner, TableColumnOptions, TableIndexOptions } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { outboxDatabaseOf, parseTableName, type OutboxDatabase } from './outbox-database.js';
import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import type { OutboxTableOptions } from './outbox-table.js';

// The outbox's migrations. A migration that has shipped never changes: a database that ran it
// records its name and never runs it again, so a change to it reaches only new databases. A
// schema change is a new migration here, appended to createOutboxMigrations(); each migration
// holds its own copy of what it creates, so a later change to the entity cannot alter it.
// test/outbox/outbox-migrations.spec.ts applies the whole chain and compares it with the entity.

type TypeOrm = typeof import('typeorm');
const typeOrm = () => requireOptionalPeer<TypeOrm>('typeorm', 'The outbox migrations');

/** TypeORM orders migrations by the 13-digit timestamp that ends their name (2026-01-01). */
const FIRST_TIMESTAMP = 1767225600000;

/** Options of the outbox migrations. @publicApi */
export interface OutboxMigrationOptions extends OutboxTableOptions {
  /**
   * The timestamp that ends the first migration's name (TypeORM orders migrations by it); each
   * later migration of the chain takes the next millisecond. Keep it once your database ran it.
   * @default 1767225600000
   */
  timestamp?: number;
}

const escapedTable = (queryRunner: QueryRunner, tableName: string) => {
  const { schema, table } = parseTableName(tableName);
  const escape = (name: string) => queryRunner.connection.driver.escape(name);
  return `${schema ? `${escape(schema)}.` : ''}${escape(table)}`;
};
const tablePath = (tableName: string) => {
  const { schema, table } = parseTableName(tableName);
  return schema ? `${schema}.${table}` : table;
};

// ---- 1. CreateOutboxTable (0.1.0, as first shipped in c3a4bef; never edit) ----

function firstTableColumns(db: OutboxDatabase): TableColumnOptions[] {
  const varchar = 'varchar';
  const time = { postgres: 'timestamptz', mysql: 'datetime', sqlite: 'datetime' }[db];
  const ms = db === 'mysql' ? 3 : undefined;
  const column = (name: string, type: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
    name,
    type,
    isNullable: false,
    isPrimary: false,
    isGenerated: false,
    ...extra,
  });
  return [
    column('id', { postgres: 'bigint', mysql: 'bigint', sqlite: 'integer' }[db], { isPrimary: true, isGenerated: true, generationStrategy: 'increment' }),
    column('event_id', varchar, { length: '128' }),
    column('event_name', varchar, { length: '255' }),
    column('topic', varchar, { length: '255' }),
    column('event_key', varchar, { length: '255', isNullable: true }),
    column('payload', { postgres: 'bytea', mysql: 'longblob', sqlite: 'blob' }[db]),
    column('content_type', varchar, { length: '128' }),
    column('codec', varchar, { length: '16' }),
    column('headers', 'text'),
    column('status', varchar, { length: '16' }),
    column('attempts', { postgres: 'integer', mysql: 'int', sqlite: 'integer' }[db]),
    column('next_attempt_at', time, { precision: ms }),
    column('last_error', 'text', { isNullable: true }),
    column('locked_by', varchar, { length: '128', isNullable: true }),
    column('locked_until', time, { precision: ms, isNullable: true }),
    column('created_at', time, { precision: ms }),
    column('published_at', time, { precision: ms, isNullable: true }),
  ];
}

function firstIndexes(table: string): TableIndexOptions[] {
  return [
    { name: `${table}_status_id_idx`, columnNames: ['status', 'id'], isUnique: false },
    { name: `${table}_status_published_idx`, columnNames: ['status', 'published_at'], isUnique: false },
    { name: `${table}_event_id_key`, columnNames: ['event_id'], isUnique: true },
  ];
}

/**
 * The first outbox migration, exactly as 0.1.0 shipped it (same name, same
 * table): it creates the table with its first three indexes. Databases that
 * ran it keep it in their migrations table; the next migrations bring them to
 * the current schema. List the whole chain with {@link createOutboxMigrations}
 * rather than this one alone.
 * @publicApi
 */
export function createOutboxMigration(options: OutboxMigrationOptions = {}): new () => MigrationInterface {
  const tableName = options.tableName ?? OUTBOX_DEFAULTS.tableName;
  parseTableName(tableName);
  const name = `CreateOutboxTable_${tableName.replace('.', '_')}${options.timestamp ?? FIRST_TIMESTAMP}`;
  const table = () => {
    const { Table } = typeOrm();
    return (db: OutboxDatabase) =>
      new Table({ name: tablePath(tableName), columns: firstTableColumns(db), indices: firstIndexes(parseTableName(tableName).table) });
  };
  return class CreateOutboxTable implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.createTable(table()(outboxDatabaseOf(queryRunner.connection)), true);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(table()(outboxDatabaseOf(queryRunner.connection)), true);
    }
  };
}

// ---- 2. OutboxIndexes (0.2.0; never edit) ----

const PENDING = `status = 'pending'`;

/** The indexes after this migration, per database (PostgreSQL: partial indexes of each status). */
function secondIndexes(table: string, db: OutboxDatabase): TableIndexOptions[] {
  const eventId = { name: `${table}_event_id_key`, columnNames: ['event_id'], isUnique: true };
  if (db === 'postgres') {
    return [
      { name: `${table}_pending_id_idx`, columnNames: ['id'], isUnique: false, where: PENDING },
      { name: `${table}_pending_key_id_idx`, columnNames: ['event_key', 'id'], isUnique: false, where: PENDING },
      { name: `${table}_retrying_key_idx`, columnNames: ['event_key'], isUnique: false, where: `${PENDING} AND attempts > 0` },
      { name: `${table}_published_at_idx`, columnNames: ['published_at'], isUnique: false, where: `status = 'published'` },
      { name: `${table}_dead_id_idx`, columnNames: ['id'], isUnique: false, where: `status = 'dead'` },
      eventId,
    ];
  }
  return [
    { name: `${table}_status_id_idx`, columnNames: ['status', 'id'], isUnique: false },
    { name: `${table}_key_status_id_idx`, columnNames: ['event_key', 'status', 'id'], isUnique: false },
    { name: `${table}_status_published_idx`, columnNames: ['status', 'published_at'], isUnique: false },
    eventId,
  ];
}

/**
 * PostgreSQL fillfactor from this migration on: room on each page for the new
 * versions of its rows. The lease changes no indexed column, so with room on
 * the page it is a HOT update (no index entries, no new page), and the
 * mark-published version usually lands on the same page too: the relay drains
 * about 1.4× faster than with full pages. `synchronize` cannot set it (run
 * `ALTER TABLE outbox SET (fillfactor = 50)` once yourself there).
 */
const SECOND_FILLFACTOR = 50;

/** Drops the indexes of `from` that `to` lacks and creates those of `to` that the table lacks (by name). */
async function moveIndexes(queryRunner: QueryRunner, tableName: string, from: TableIndexOptions[], to: TableIndexOptions[]): Promise<void> {
  const { TableIndex } = typeOrm();
  const table = await queryRunner.getTable(tablePath(tableName));
  if (!table) return;
  const wanted = new Set(to.map((index) => index.name));
  for (const index of table.indices.filter((i) => i.name && !wanted.has(i.name) && from.some((f) => f.name === i.name))) {
    await queryRunner.dropIndex(table, index);
  }
  const present = new Set(table.indices.map((i) => i.name));
  for (const index of to.filter((i) => !present.has(i.name))) {
    await queryRunner.createIndex(table, new TableIndex(index));
  }
}

/**
 * The second outbox migration (0.2.0): the indexes that per-key ordering and
 * the PostgreSQL claim need, and fillfactor 50 on PostgreSQL. It brings a
 * table made by any earlier state of the first migration to the current
 * schema (it adds only the indexes missing and drops only the first
 * migration's ones that were replaced), so it is safe on a database whose
 * first migration ran with some of them already.
 * @publicApi
 */
export function createOutboxIndexesMigration(options: OutboxMigrationOptions = {}): new () => MigrationInterface {
  const tableName = options.tableName ?? OUTBOX_DEFAULTS.tableName;
  const { table } = parseTableName(tableName);
  const name = `OutboxIndexes_${tableName.replace('.', '_')}${(options.timestamp ?? FIRST_TIMESTAMP) + 1}`;
  return class OutboxIndexes implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const db = outboxDatabaseOf(queryRunner.connection);
      // Before 0.2.0 the first migration changed in place: a table may also have the per-key index of
      // those days, which PostgreSQL's partial indexes replace.
      const earlier = [...firstIndexes(table), { name: `${table}_key_status_id_idx`, columnNames: ['event_key', 'status', 'id'] }];
      await moveIndexes(queryRunner, tableName, earlier, secondIndexes(table, db));
      if (db === 'postgres') await queryRunner.query(`ALTER TABLE ${escapedTable(queryRunner, tableName)} SET (fillfactor = ${SECOND_FILLFACTOR})`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      const db = outboxDatabaseOf(queryRunner.connection);
      if (db === 'postgres') await queryRunner.query(`ALTER TABLE ${escapedTable(queryRunner, tableName)} RESET (fillfactor)`);
      await moveIndexes(queryRunner, tableName, secondIndexes(table, db), firstIndexes(table));
    }
  };
}

/**
 * Every outbox migration, in order: list them all in your data source's
 * `migrations` (TypeORM runs those a database has not run yet). The chain
 * gives exactly the table {@link createOutboxEntity} describes. New versions
 * of the library append to it and never change a migration that shipped.
 *
 * @example
 * new DataSource({ ..., migrations: [...createOutboxMigrations(), ...yourMigrations], migrationsRun: true });
 * @publicApi
 */
export function createOutboxMigrations(options: OutboxMigrationOptions = {}): Array<new () => MigrationInterface> {
  return [createOutboxMigration(options), createOutboxIndexesMigration(options)];
}
