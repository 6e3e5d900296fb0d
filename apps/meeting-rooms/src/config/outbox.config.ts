import { ConfigService } from '@nestjs/config';
import { OutboxModule, createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { MeetingRoomsEnvironment } from './meeting-rooms.environment.js';

/** The outbox table for this database, to list among the data source's entities. */
export const outboxEntity = (options: DataSourceOptions) => createOutboxEntity({ databaseType: options.type });

/**
 * The outbox on the app's data source, configured from the environment. The
 * API runs the relay in-process unless RUN_RELAY=false; the relay
 * microservice passes `relayServer: true` and lets `OutboxRelayServer` start it.
 */
export function outboxModule({ relayServer }: { relayServer: boolean }) {
  return OutboxModule.forRootAsync({
    inject: [DataSource, ConfigService],
    useFactory: (dataSource: DataSource, config: ConfigService<MeetingRoomsEnvironment, true>) => ({
      dataSource,
      codec: config.get('OUTBOX_CODEC', { infer: true }),
      // PostgreSQL carries the commit wake-up to relays in other processes.
      notify: dataSource.options.type === 'postgres',
      relay: {
        enabled: !relayServer && config.get('RUN_RELAY', { infer: true }),
        source: config.get('OUTBOX_SOURCE', { infer: true }),
        claim: config.get('OUTBOX_CLAIM', { infer: true }),
        slotName: config.get('OUTBOX_SLOT', { infer: true }),
      },
    }),
  });
}
