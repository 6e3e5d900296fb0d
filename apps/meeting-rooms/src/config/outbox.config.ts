import { OutboxModule, createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from './app-config.js';

/** The outbox table for this database, to list among the data source's entities. */
export const outboxEntity = (options: DataSourceOptions) => createOutboxEntity({ databaseType: options.type });

/**
 * The outbox on the app's data source. `relayInProcess` runs the relay inside
 * this process; a relay microservice passes false and lets `OutboxRelayServer`
 * start it.
 */
export function outboxModule(config: AppConfig, relayInProcess: boolean) {
  return OutboxModule.forRootAsync({
    inject: [DataSource],
    useFactory: (dataSource: DataSource) => ({
      dataSource,
      codec: config.outboxCodec,
      // PostgreSQL carries the commit wake-up to relays in other processes.
      notify: dataSource.options.type === 'postgres',
      relay: { enabled: relayInProcess },
    }),
  });
}
