// Data sources, outbox tables and backlogs for the benchmarks. Backlogs are
// seeded server-side (INSERT … SELECT over generate_series / MariaDB's
// sequence engine) in chunks: fast, and without the relay API.
import { createOutboxEntity, createOutboxMigrations } from 'nestjs-cqrs-broker/outbox';
import { DataSource, type EntitySchema } from 'typeorm';
import type { EventTemplate } from './bench-events.js';
import { BENCH_APP_NAME } from './cpu-time.js';
import { MARIADB_URL, POSTGRES_URL, type BenchDatabase } from './services.js';

const SEED_CHUNK = 50_000;

export async function openDataSource(db: BenchDatabase, entities: EntitySchema<any>[] = [], poolSize = 10): Promise<DataSource> {
  const dataSource = new DataSource(
    db === 'postgres'
      ? { type: 'postgres', url: POSTGRES_URL, entities, poolSize, synchronize: entities.length > 0, applicationName: BENCH_APP_NAME }
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
    ...(db === 'postgres' ? { type: 'postgres' as const, url: POSTGRES_URL, applicationName: BENCH_APP_NAME } : { type: 'mariadb' as const, url: MARIADB_URL }),
    entities: [createOutboxEntity({ databaseType: db, tableName: table }), ...extra],
    poolSize,
    synchronize: extra.length > 0,
    migrations: createOutboxMigrations({ tableName: table }),
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

/**
 * Change capture: emits events numbered `from`..`to` from `template` as the
 * library's writers do with relay source 'logical-replication' (one
 * transactional logical-decoding message per transaction, in the layout of
 * `encodeWalMessage`), one event per transaction, server-side in a procedure
 * that commits as it goes. The slot must exist first.
 */
export async function seedWalBacklog(dataSource: DataSource, table: string, template: EventTemplate, from: number, to: number): Promise<void> {
  const procedure = `bench_seed_wal_${process.pid}`;
  await dataSource.query(`CREATE OR REPLACE PROCEDURE ${procedure}(prefix text, id_prefix text, topic text, body text, headers text, first int, last int)
    LANGUAGE plpgsql AS $$
    DECLARE meta bytea; payload bytea;
    BEGIN
      PERFORM set_config('synchronous_commit', 'off', false);
      FOR g IN first..last LOOP
        meta := convert_to(json_build_array(id_prefix || g, 'order_placed', topic, 'order-' || (g % 1000), 'application/json', 'none', replace(headers, '#', g::text))::text, 'UTF8');
        payload := convert_to(replace(body, '#', g::text), 'UTF8');
        PERFORM pg_logical_emit_message(true, prefix, '\\x01'::bytea || int4send(length(meta)) || meta || int4send(length(payload)) || payload);
        COMMIT;
      END LOOP;
      PERFORM set_config('synchronous_commit', 'on', false);
    END $$`);
  try {
    await dataSource.query(`CALL ${procedure}($1, $2, $3, $4, $5, $6, $7)`, [`cqrs_outbox:${table}`, template.eventIdPrefix, template.topic, template.body, template.headers, from, to]);
  } finally {
    await dataSource.query(`DROP PROCEDURE IF EXISTS ${procedure}`);
  }
}

/** Drops a replication slot and its publication (an abandoned slot keeps the server's WAL forever). */
export async function dropSlot(dataSource: DataSource, slotName: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await dataSource.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, [slotName]);
    const dropped = await dataSource
      .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slotName])
      .then(() => true, () => false);
    if (dropped) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await dataSource.query(`DROP PUBLICATION IF EXISTS "${slotName}"`);
}
