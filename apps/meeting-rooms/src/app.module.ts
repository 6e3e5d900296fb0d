import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, CqrsBrokerModule, LoggingMiddleware, ValidationMiddleware, type MessageBroker } from 'nestjs-cqrs-broker';
import type { AppConfig } from './config/app-config.js';
import { createBroker } from './config/broker.factory.js';
import { databaseOptions } from './config/database-options.js';
import { outboxEntity, outboxModule } from './config/outbox.config.js';
import { HealthController } from './health/health.controller.js';
import { MEETING_ENTITIES, MeetingsModule } from './meetings/meetings.module.js';

/**
 * The meeting-rooms API: HTTP → RequestMediator → handlers, which write their
 * rows and integration events in one transaction (outbox); the relay, in this
 * process unless `RUN_RELAY=false`, publishes them.
 */
@Module({})
export class AppModule {
  /** `broker` lets another app in this process share an in-memory broker. */
  static forRoot(config: AppConfig, broker: MessageBroker = createBroker(config.brokerUrl)): DynamicModule {
    const database = databaseOptions(config.databaseUrl);
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...database, entities: [...MEETING_ENTITIES, outboxEntity(database)], synchronize: true }),
        ScheduleModule.forRoot(),
        CqrsBrokerModule.forRoot({ middlewares: [CorrelationMiddleware, LoggingMiddleware, ValidationMiddleware], broker }),
        outboxModule(config, config.runRelay),
        TerminusModule,
        MeetingsModule,
      ],
      controllers: [HealthController],
    };
  }
}
