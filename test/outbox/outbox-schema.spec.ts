import { createOutboxEntity, createOutboxIndexesMigration, createOutboxMigration, createOutboxMigrations } from 'nestjs-cqrs-broker/outbox';
import type { DataSource } from 'typeorm';
import { connect, databases, dropTable, uniqueTable, type TestDatabase } from './databases.js';

/** What synchronize would still change for the entity: no up-query means the table is exactly the entity. */
async function schemaDiff(dataSource: DataSource): Promise<string[]> {
  const pending = await dataSource.driver.createSchemaBuilder().log();
  return pending.upQueries.map((q) => q.query);
}

async function indexNames(dataSource: DataSource, table: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.getTable(table))!.indices.map((index) => index.name!).sort();
  } finally {
    await runner.release();
  }
}

async function fillfactor(dataSource: DataSource, table: string): Promise<unknown> {
  const [{ reloptions }] = await dataSource.query(`SELECT reloptions FROM pg_class WHERE relname = $1`, [table]);
  return reloptions;
}

/** A data source whose entity is the current outbox table and whose migrations are `migrations`, on a migrations table of its own. */
function open(db: TestDatabase, table: string, migrations: Array<new () => unknown>): Promise<DataSource> {
  return connect(db, [createOutboxEntity({ databaseType: db.type, tableName: table })], {
    migrations: migrations as never,
    migrationsTableName: `${table}_migrations`,
  });
}

describe.each(databases)('outbox schema on $name', (db) => {
  const synced = uniqueTable('schema_sync');
  const migrated = uniqueTable('schema_mig');
  const upgraded = uniqueTable('schema_upg');
  const interim = uniqueTable('schema_int');
  const opened: DataSource[] = [];
  const track = (dataSource: DataSource) => (opened.push(dataSource), dataSource);

  afterAll(async () => {
    for (const dataSource of opened) {
      if (!dataSource.isInitialized) continue;
      for (const table of [synced, migrated, upgraded, interim]) {
        await dropTable(dataSource, table);
        await dropTable(dataSource, `${table}_migrations`);
      }
      await dataSource.destroy();
    }
  });

  it('the whole migration chain gives exactly the table the entity describes: synchronize finds nothing to change', async () => {
    const dataSource = track(await open(db, migrated, createOutboxMigrations({ tableName: migrated })));
    const ran = await dataSource.runMigrations();
    expect(ran.map((m) => m.name)).toEqual([`CreateOutboxTable_${migrated}1767225600000`, `OutboxIndexes_${migrated}1767225600001`]);
    expect(await schemaDiff(dataSource)).toEqual([]);
    if (db.name === 'postgres') {
      // Room on each page for the relay's updates (HOT leases): set by the migrations only.
      expect(await fillfactor(dataSource, migrated)).toEqual(['fillfactor=50']);
    }
    // Reverting the chain drops the table.
    await dataSource.undoLastMigration();
    await dataSource.undoLastMigration();
    expect(await dataSource.createQueryRunner().hasTable(migrated)).toBe(false);
  });

  it('a database migrated by the first migration alone (0.1.0) gets the new indexes from the follow-up, and then matches the entity', async () => {
    const first = track(await open(db, upgraded, [createOutboxMigration({ tableName: upgraded })]));
    await first.runMigrations();
    const before = await indexNames(first, upgraded);
    expect(before).toEqual([`${upgraded}_event_id_key`, `${upgraded}_status_id_idx`, `${upgraded}_status_published_idx`].sort());
    // The first migration alone is not the current schema: that is what the follow-up is for.
    expect(await schemaDiff(first)).not.toEqual([]);
    await first.destroy();

    // The upgrade: the app now lists the whole chain; only the follow-up is pending.
    const upgradedSource = track(await open(db, upgraded, createOutboxMigrations({ tableName: upgraded })));
    const ran = await upgradedSource.runMigrations();
    expect(ran.map((m) => m.name)).toEqual([`OutboxIndexes_${upgraded}1767225600001`]);
    const after = await indexNames(upgradedSource, upgraded);
    const expected =
      db.name === 'postgres'
        ? ['dead_id_idx', 'event_id_key', 'pending_id_idx', 'pending_key_id_idx', 'published_at_idx', 'retrying_key_idx']
        : ['event_id_key', 'key_status_id_idx', 'status_id_idx', 'status_published_idx'];
    expect(after).toEqual(expected.map((name) => `${upgraded}_${name}`).sort());
    expect(await schemaDiff(upgradedSource)).toEqual([]);
    if (db.name === 'postgres') expect(await fillfactor(upgradedSource, upgraded)).toEqual(['fillfactor=50']);
  });

  it('the follow-up also upgrades a table made by a pre-0.2.0 state of the first migration that already had some new indexes', async () => {
    // Between the first commit and 0.2.0 the first migration gained indexes in place; a database
    // that ran such a state has the per-key index already (under the same migration name).
    const first = track(await open(db, interim, [createOutboxMigration({ tableName: interim })]));
    await first.runMigrations();
    await first.query(`CREATE INDEX ${first.driver.escape(`${interim}_key_status_id_idx`)} ON ${first.driver.escape(interim)} (event_key, status, id)`);
    await first.destroy();
    const dataSource = track(await open(db, interim, createOutboxMigrations({ tableName: interim })));
    await dataSource.runMigrations();
    expect(await schemaDiff(dataSource)).toEqual([]);
  });

  it('synchronize creates the table from the entity and a second run changes nothing', async () => {
    const dataSource = track(await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: synced })], { synchronize: true }));
    expect(await schemaDiff(dataSource)).toEqual([]);
  });

  it('the follow-up migration is named after the first one, one millisecond later, whatever timestamp the chain is given', () => {
    const options = { tableName: 'app.outbox', timestamp: 1800000000000 };
    expect(new (createOutboxMigration(options))().name).toBe('CreateOutboxTable_app_outbox1800000000000');
    expect(new (createOutboxIndexesMigration(options))().name).toBe('OutboxIndexes_app_outbox1800000000001');
  });
});
