import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CqrsBrokerModule, LoggingMiddleware, parseBrokerUrl } from 'nestjs-cqrs-broker';
import type { NotificationsConfig } from './config/app-config.js';
import { databaseOptions } from '../../shared/src/database-options.js';
import { MEETING_NOTIFICATIONS_ENTITIES, MeetingNotificationsModule } from './notifications/meeting-notifications.module.js';

/** The meeting-notifications service as its own process. */
@Module({})
export class NotificationsAppModule {
  static forRoot(config: NotificationsConfig): DynamicModule {
    const inMemory = parseBrokerUrl(config.brokerUrl).kind === 'memory';
    return {
      module: NotificationsAppModule,
      imports: [
        TypeOrmModule.forRoot({ ...databaseOptions(config.databaseUrl), entities: MEETING_NOTIFICATIONS_ENTITIES, synchronize: true }),
        // This service only consumes: the default in-memory broker is enough for the events its handlers might emit.
        CqrsBrokerModule.forRoot({ middlewares: [LoggingMiddleware] }),
        MeetingNotificationsModule.forRoot({ inMemory }),
      ],
    };
  }
}
