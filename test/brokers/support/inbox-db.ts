// A PostgreSQL inbox plus an "effects" table, for tests that check a redelivered event changes state once.
import { DataSource, EntitySchema, Table } from 'typeorm';
import { createInboxEntity, createInboxMigration } from 'nestjs-cqrs-broker/inbox';
import { POSTGRES_URL, unique } from './services.js';

export interface Effect {
  id: number;
  eventId: string;
}

export interface InboxDatabase {
  readonly dataSource: DataSource;
  readonly inboxTable: string;
  readonly effects: EntitySchema<Effect>;
  effectsOf(eventId: string): Promise<number>;
  drop(): Promise<void>;
}

export async function createInboxDatabase(): Promise<InboxDatabase> {
  const inboxTable = unique('inbox').replace(/-/g, '_');
  const effectsTable = unique('effects').replace(/-/g, '_');
  const migrationsTable = unique('migrations').replace(/-/g, '_');
  const effects = new EntitySchema<Effect>({
    name: `Effect_${effectsTable}`,
    tableName: effectsTable,
    columns: { id: { type: Number, primary: true, generated: 'increment' }, eventId: { name: 'event_id', type: String, length: 64 } },
  });
  const dataSource = new DataSource({
    type: 'postgres',
    url: POSTGRES_URL,
    entities: [createInboxEntity({ tableName: inboxTable }), effects],
    migrations: [createInboxMigration({ tableName: inboxTable })],
    migrationsTableName: migrationsTable,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable (${(error as Error).message}): start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), set POSTGRES_URL, or run \`npm test\`.`);
  }
  await dataSource.runMigrations();
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.createTable(
    new Table({
      name: effectsTable,
      columns: [
        { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'event_id', type: 'varchar', length: '64' },
      ],
    }),
  );
  await queryRunner.release();
  return {
    dataSource,
    inboxTable,
    effects,
    effectsOf: (eventId) => dataSource.getRepository(effects).countBy({ eventId }),
    async drop() {
      for (const table of [inboxTable, effectsTable, migrationsTable]) await dataSource.query(`DROP TABLE IF EXISTS "${table}"`);
      await dataSource.destroy();
    },
  };
}
