import type { DataSource } from 'typeorm';

/**
 * Options of `InboxModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface InboxModuleOptions {
  /** DataSource holding the inbox table. Default: the app's `DataSource` provider (e.g. from `TypeOrmModule.forRoot`). */
  dataSource?: DataSource;
  /** Default `inbox`. Register `inboxEntity(tableName)` in the DataSource. */
  tableName?: string;
}
