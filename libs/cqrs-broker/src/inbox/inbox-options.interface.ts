import type { DataSource } from 'typeorm';

/**
 * Options of `InboxModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface InboxModuleOptions {
  /**
   * The TypeORM data source holding the inbox table (and the tables your handlers write).
   * @default the app's `DataSource` provider (e.g. from `TypeOrmModule.forRoot`)
   */
  dataSource?: DataSource;
  /**
   * The inbox table. Register `createInboxEntity({ tableName })` in the data source.
   * @default 'inbox'
   */
  tableName?: string;
}
