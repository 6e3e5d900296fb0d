import { Module } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { optionalPeerToken } from '../optional-peer.js';
import { Inbox } from './inbox.js';
import { CQRS_TRACING, type CqrsTracing } from '../tracing/cqrs-tracing.js';
import type { InboxModuleOptions } from './inbox-options.interface.js';
import { resolveInboxOptions } from './inbox-options.resolver.js';
import { INBOX_OPTIONS, InboxConfigurableModule } from './inbox.module-definition.js';

/**
 * Provides the {@link Inbox}. Uses the app's `DataSource` provider (as
 * `TypeOrmModule.forRoot` registers it) unless `dataSource` is given.
 * Global by default.
 *
 * @example
 * imports: [TypeOrmModule.forRoot({ ..., entities: [createInboxEntity(), Notification] }), InboxModule.forRoot({})]
 * @publicApi
 */
@Module({
  providers: [
    {
      provide: Inbox,
      // Injected (not looked up) so Nest waits for an async DataSource such as TypeOrmModule's.
      inject: [INBOX_OPTIONS, optionalPeerToken('typeorm', 'DataSource', 'InboxModule'), { token: CQRS_TRACING, optional: true }],
      useFactory: (options: InboxModuleOptions, appDataSource: DataSource | undefined, tracing?: CqrsTracing | null) => {
        const { dataSource, tableName } = resolveInboxOptions(options, appDataSource);
        return new Inbox(dataSource, tableName, tracing);
      },
    },
  ],
  exports: [Inbox],
})
export class InboxModule extends InboxConfigurableModule {}
