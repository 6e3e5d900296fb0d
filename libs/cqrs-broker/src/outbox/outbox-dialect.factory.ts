import type { DataSource } from 'typeorm';
import { outboxDatabaseOf } from './outbox-database.js';
import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import { MysqlOutboxDialect } from './mysql-outbox.dialect.js';
import type { OutboxDialect } from './outbox.dialect.js';
import { PostgresOutboxDialect } from './postgres-outbox.dialect.js';
import { SqliteOutboxDialect } from './sqlite-outbox.dialect.js';

/**
 * The SQL of the outbox table `tableName` for this data source's database,
 * and what that database can do beyond it (see {@link OutboxDialect.createWakeupSource}).
 * @publicApi
 */
export function createOutboxDialect(dataSource: DataSource, tableName: string = OUTBOX_DEFAULTS.tableName): OutboxDialect {
  switch (outboxDatabaseOf(dataSource)) {
    case 'postgres':
      return new PostgresOutboxDialect(dataSource, tableName);
    case 'mysql':
      return new MysqlOutboxDialect(dataSource, tableName);
    case 'sqlite':
      return new SqliteOutboxDialect(dataSource, tableName);
  }
}
