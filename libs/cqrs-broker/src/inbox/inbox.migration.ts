import type { MigrationInterface, QueryRunner } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { INBOX_DEFAULTS } from './inbox-defaults.js';
import type { InboxTableOptions } from './inbox.entity.js';

/**
 * A migration class creating (and dropping) the inbox table `tableName`, on
 * PostgreSQL, MySQL/MariaDB and SQLite. The default table has a ready-made
 * class, {@link CreateInboxTable1760000000000}.
 *
 * @example
 * new DataSource({ ..., migrations: [createInboxMigration({ tableName: 'notifications_inbox' })] });
 * @publicApi
 */
export function createInboxMigration(options: InboxTableOptions & { timestamp?: number } = {}): new () => MigrationInterface {
  const { tableName = INBOX_DEFAULTS.tableName, timestamp = 1760000000000 } = options;
  // TypeORM wants the timestamp last; the table name keeps migrations of several inbox tables apart.
  // The class name is the migration's name in the migrations table: it must not change for a shipped one.
  const tablePart = tableName === INBOX_DEFAULTS.tableName ? '' : `_${tableName.replace(/[^A-Za-z0-9]/g, '_')}_`;
  const className = `CreateInboxTable${tablePart}${timestamp}`;
  const migration = class implements MigrationInterface {
    name = className;

    async up(queryRunner: QueryRunner): Promise<void> {
      const types = queryRunner.connection.driver.mappedDataTypes;
      await queryRunner.createTable(
        new (requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createInboxMigration').Table)({
          name: tableName,
          columns: [
            { name: 'consumer_name', type: 'varchar', length: '255', isPrimary: true },
            { name: 'event_id', type: 'varchar', length: '255', isPrimary: true },
            { name: 'event_name', type: 'varchar', length: '255', isNullable: true },
            {
              name: 'received_at',
              type: String(types.createDate),
              precision: types.createDatePrecision,
              default: types.createDateDefault,
            },
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

/** Creates the default `inbox` table. @publicApi */
export const CreateInboxTable1760000000000 = createInboxMigration();
