import { createOutboxEntity, createOutboxMigration } from 'nestjs-cqrs-broker/outbox';
import type { DataSource } from 'typeorm';
import { connect, databases, dropTable, uniqueTable } from './databases.js';

describe.each(databases)('outbox schema on $name', (db) => {
  const synced = uniqueTable('schema_sync');
  const migrated = uniqueTable('schema_mig');
  let dataSource: DataSource;

  afterAll(async () => {
    await dropTable(dataSource, synced);
    await dropTable(dataSource, migrated);
    await dataSource?.destroy();
  });

  it('the migration creates exactly the table synchronize would: synchronize finds nothing to change', async () => {
    dataSource = await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: migrated })], {
      migrations: [createOutboxMigration({ tableName: migrated })],
      migrationsTableName: `${migrated}_migrations`,
    });
    await dataSource.runMigrations();
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    if (db.name === 'postgres') {
      // Room on each page for the relay's updates (HOT leases): set by the migration only.
      const [{ reloptions }] = await dataSource.query(`SELECT reloptions FROM pg_class WHERE relname = $1`, [migrated]);
      expect(reloptions).toEqual(['fillfactor=50']);
    }
    await dataSource.undoLastMigration();
    await dropTable(dataSource, `${migrated}_migrations`);
  });

  it('synchronize creates the table from the entity and a second run changes nothing', async () => {
    await dataSource.destroy();
    dataSource = await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: synced })], { synchronize: true });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
