import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Inbox } from './inbox.js';
import type { InboxModuleOptions } from './inbox-options.interface.js';
import { INBOX_OPTIONS, InboxConfigurableModule } from './inbox.module-definition.js';

/**
 * Provides the {@link Inbox}. Uses the app's `DataSource` provider (as
 * `TypeOrmModule.forRoot` registers it) unless `dataSource` is given.
 * Global by default.
 *
 * @example
 * imports: [TypeOrmModule.forRoot({ ..., entities: [inboxEntity(), Notification] }), InboxModule.forRoot({})]
 * @publicApi
 */
@Module({
  providers: [
    {
      provide: Inbox,
      inject: [INBOX_OPTIONS, ModuleRef],
      useFactory: (options: InboxModuleOptions, moduleRef: ModuleRef) =>
        new Inbox(options.dataSource ?? moduleRef.get(DataSource, { strict: false }), options.tableName),
    },
  ],
  exports: [Inbox],
})
export class InboxModule extends InboxConfigurableModule {}
