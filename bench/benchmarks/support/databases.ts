// Data sources, outbox tables and backlogs for the benchmarks. Backlogs are
// seeded server-side (INSERT … SELECT over generate_series / MariaDB's
// sequence engine) in chunks: fast, and without the relay API.
import { createOutboxEntity, createOutboxMigration } from 'nestjs-cqrs-broker/outbox';
import { DataSource, type EntitySchema } from 'typeorm';
import type { EventTemplate } from './bench-events.js';
import { MARIADB_URL, POSTGRES_URL, type BenchDatabase } from './services.js';

const SEED_CHUNK = 50_000;

export async function openDataSource(db: BenchDatabase, entities: EntitySchema<any>[] = [], poolSize = 10): Promise<DataSource> {
  const dataSource = new DataSource(
    db === 'postgres'
      ? { type: 'postgres', url: POSTGRES_URL, entities, poolSize, synchronize: entities.length > 0 }
      : { type: 'mariadb', url: MARIADB_URL, entities, poolSize, synchronize: entities.length > 0 },
  );
  return dataSource.initialize();
}

/**
 * A data source with the outbox table `table` created as users are told to:
 * by the library's migration (on PostgreSQL it also sets the fillfactor,
 * which synchronize cannot). Other entities in `extra` are synchronized.
 */
export async function openOutboxDataSource(db: BenchDatabase, table: string, extra: EntitySchema<any>[] = [], poolSize = 10): Promise<DataSource> {
  const migrationsTableName = `${table}_migrations`;
  const dataSource = new DataSource({
    ...(db === 'postgres' ? { type: 'postgres' as const, url: POSTGRES_URL } : { type: 'mariadb' as const, url: MARIADB_URL }),
    entities: [createOutboxEntity({ databaseType: db, tableName: table }), ...extra],
    poolSize,
    synchronize: extra.length > 0,
    migrations: [createOutboxMigration({ tableName: table })],
    migrationsTableName,
    migrationsRun: true,
  });
  await dataSource.initialize();
  // The bookkeeping table is of no use once the outbox table exists.
  await dataSource.query(`DROP TABLE ${dataSource.driver.escape(migrationsTableName)}`);
  return dataSource;
}

export function dbOf(dataSource: DataSource): BenchDatabase {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'mariadb';
}

export async function dropTable(dataSource: DataSource, table: string): Promise<void> {
  if (dataSource.isInitialized) await dataSource.query(`DROP TABLE IF EXISTS ${dataSource.driver.escape(table)}`);
}

export async function truncate(dataSource: DataSource, table: string): Promise<void> {
  await dataSource.query(`TRUNCATE TABLE ${dataSource.driver.escape(table)}`);
}

/** Inserts pending rows numbered `from`..`to` (inclusive) made from `template`. */
export async function seedBacklog(dataSource: DataSource, table: string, template: EventTemplate, from: number, to: number): Promise<void> {
  const t = dataSource.driver.escape(table);
  const columns = 'event_id, event_name, topic, event_key, payload, content_type, codec, headers, status, attempts, next_attempt_at, created_at';
  for (let start = from; start <= to; start += SEED_CHUNK) {
    const end = Math.min(to, start + SEED_CHUNK - 1);
    if (dbOf(dataSource) === 'postgres') {
      await dataSource.query(
        `INSERT INTO ${t} (${columns})
         SELECT $1 || g, 'order_placed', $2, 'order-' || (g % 1000), convert_to(replace($3, '#', g::text), 'UTF8'), 'application/json', 'none',
                replace($4, '#', g::text), 'pending', 0, now(), now()
         FROM generate_series($5::int, $6::int) AS g`,
        [template.eventIdPrefix, template.topic, template.body, template.headers, start, end],
      );
    } else {
      await dataSource.query(
        `INSERT INTO ${t} (${columns})
         SELECT CONCAT(?, seq), 'order_placed', ?, CONCAT('order-', seq % 1000), REPLACE(?, '#', seq), 'application/json', 'none',
                REPLACE(?, '#', seq), 'pending', 0, NOW(3), NOW(3)
         FROM seq_${start}_to_${end}`,
        [template.eventIdPrefix, template.topic, template.body, template.headers],
      );
    }
  }
}

/**
 * Refreshes the planner statistics after a bulk seed, as autovacuum does for a
 * table in production; without it PostgreSQL plans the claim for an empty table.
 */
export async function analyze(dataSource: DataSource, table: string): Promise<void> {
  await dataSource.query(`ANALYZE ${dbOf(dataSource) === 'mariadb' ? 'TABLE ' : ''}${dataSource.driver.escape(table)}`);
}

export async function pendingCount(dataSource: DataSource, table: string): Promise<number> {
  const rows = await dataSource.query(`SELECT COUNT(*) AS n FROM ${dataSource.driver.escape(table)} WHERE status = 'pending'`);
  return Number(rows[0].n);
}

/** Polls until nothing is pending (the last batch marked), every `everyMs`. */
export async function waitUntilDrained(dataSource: DataSource, table: string, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingCount(dataSource, table);
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${table}: ${pending} rows still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
