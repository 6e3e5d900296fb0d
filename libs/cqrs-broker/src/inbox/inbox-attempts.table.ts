import type { EntitySchema, MigrationInterface, QueryRunner } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';

/** Default table of {@link InboxAttemptStore}. @publicApi */
export const DEFAULT_ATTEMPTS_TABLE = 'inbox_attempts';

/** One row of the attempts table: `consumerName` has started `attempts` attempts at `eventId`, the last at `updatedAt`. @publicApi */
export interface InboxAttemptRecord {
  consumerName: string;
  eventId: string;
  attempts: number;
  updatedAt: Date;
}

/** Options of {@link createInboxAttemptsEntity}, {@link createInboxAttemptsMigration} and `InboxAttemptStore`. @publicApi */
export interface InboxAttemptsTableOptions {
  /**
   * The attempts table.
   * @default 'inbox_attempts'
   */
  tableName?: string;
}

const schemas = new Map<string, EntitySchema<InboxAttemptRecord>>();

/**
 * The TypeORM entity of the attempts table, for data sources that
 * `synchronize`; otherwise run {@link createInboxAttemptsMigration}.
 * @publicApi
 */
export function createInboxAttemptsEntity({ tableName = DEFAULT_ATTEMPTS_TABLE }: InboxAttemptsTableOptions = {}): EntitySchema<InboxAttemptRecord> {
  let schema = schemas.get(tableName);
  if (!schema) {
    const { EntitySchema } = requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createInboxAttemptsEntity');
    schema = new EntitySchema<InboxAttemptRecord>({
      name: tableName === DEFAULT_ATTEMPTS_TABLE ? 'InboxAttemptRecord' : `InboxAttemptRecord:${tableName}`,
      tableName,
      columns: {
        consumerName: { name: 'consumer_name', type: String, length: 255, primary: true },
        eventId: { name: 'event_id', type: String, length: 255, primary: true },
        attempts: { name: 'attempts', type: Number },
        updatedAt: { name: 'updated_at', type: Date, updateDate: true },
      },
    });
    schemas.set(tableName, schema);
  }
  return schema;
}

/**
 * A migration class creating (and dropping) the attempts table of
 * `InboxAttemptStore`, on PostgreSQL, MySQL/MariaDB and SQLite.
 *
 * @example
 * new DataSource({ ..., migrations: [CreateInboxTable1760000000000, createInboxAttemptsMigration()] });
 * @publicApi
 */
export function createInboxAttemptsMigration(options: InboxAttemptsTableOptions & { timestamp?: number } = {}): new () => MigrationInterface {
  const { tableName = DEFAULT_ATTEMPTS_TABLE, timestamp = 1770000000000 } = options;
  // The class name is the migration's name in the migrations table: it must not change for a shipped one.
  const tablePart = tableName === DEFAULT_ATTEMPTS_TABLE ? '' : `_${tableName.replace(/[^A-Za-z0-9]/g, '_')}_`;
  const className = `CreateInboxAttemptsTable${tablePart}${timestamp}`;
  const migration = class implements MigrationInterface {
    name = className;

    async up(queryRunner: QueryRunner): Promise<void> {
      const types = queryRunner.connection.driver.mappedDataTypes;
      await queryRunner.createTable(
        new (requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createInboxAttemptsMigration').Table)({
          name: tableName,
          columns: [
            { name: 'consumer_name', type: 'varchar', length: '255', isPrimary: true },
            { name: 'event_id', type: 'varchar', length: '255', isPrimary: true },
            { name: 'attempts', type: 'integer' },
            { name: 'updated_at', type: String(types.updateDate), precision: types.updateDatePrecision, default: types.updateDateDefault },
          ],
        }),
        true,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(tableName, true);
    }
  };
  Object.defineProperty(migration, 'name', { value: className });
  return migration;
}

/** Creates the default `inbox_attempts` table. @publicApi */
export const CreateInboxAttemptsTable1770000000000 = createInboxAttemptsMigration();
