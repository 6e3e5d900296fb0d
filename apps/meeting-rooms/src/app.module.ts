import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, CqrsBrokerModule, LoggingMiddleware, ValidationMiddleware, parseBrokerUrl, type MessageBroker } from 'nestjs-cqrs-broker';
import { MEETING_NOTIFICATIONS_ENTITIES, MeetingNotificationsModule } from '../../meeting-notifications/src/notifications/meeting-notifications.module.js';
import type { AppConfig } from './config/app-config.js';
import { createMessageBroker } from '../../shared/src/broker.factory.js';
import { databaseOptions } from '../../shared/src/database-options.js';
import { outboxEntity, outboxModule } from './config/outbox.config.js';
import { HealthController } from './health/health.controller.js';
import { MEETING_ENTITIES, MeetingsModule } from './meetings/meetings.module.js';

/**
 * The meeting-rooms API: HTTP → RequestMediator → handlers, which write their
 * rows and integration events in one transaction (outbox); the relay, in this
 * process unless `RUN_RELAY=false`, publishes them. On the in-memory broker
 * the notifications consumer runs here too (`GET /notifications`), since no
 * other process could reach this one's broker.
 */
@Module({})
export class AppModule {
  /** `broker` lets another app in this process share an in-memory broker. */
  static forRoot(config: AppConfig, broker: MessageBroker = createMessageBroker(config.brokerUrl)): DynamicModule {
    const database = databaseOptions(config.databaseUrl);
    const consumerInProcess = parseBrokerUrl(config.brokerUrl).kind === 'memory';
    const consumerEntities = consumerInProcess ? MEETING_NOTIFICATIONS_ENTITIES : [];
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...database, entities: [...MEETING_ENTITIES, outboxEntity(database), ...consumerEntities], synchronize: true }),
        ScheduleModule.forRoot(),
        CqrsBrokerModule.forRoot({ middlewares: [CorrelationMiddleware, LoggingMiddleware, ValidationMiddleware], broker }),
        outboxModule(config, config.runRelay),
        TerminusModule,
        MeetingsModule,
        ...(consumerInProcess ? [MeetingNotificationsModule.forRoot({ inMemory: true })] : []),
      ],
      controllers: [HealthController],
    };
  }
}
