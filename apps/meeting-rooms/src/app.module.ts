import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CorrelationMiddleware, CqrsBrokerModule, LoggingMiddleware, ValidationMiddleware } from 'nestjs-cqrs-broker';
import type { AppConfig } from './config/app-config.js';
import { createBroker } from './config/broker.factory.js';
import { databaseOptions } from './config/database-options.js';
import { HealthController } from './health/health.controller.js';
import { MEETING_ENTITIES } from './meetings/meetings.module.js';
import { MeetingsModule } from './meetings/meetings.module.js';

/** The meeting-rooms API: HTTP → RequestMediator → handlers → events. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({ ...databaseOptions(config.databaseUrl), entities: [...MEETING_ENTITIES], synchronize: true }),
        CqrsBrokerModule.forRoot({
          middlewares: [CorrelationMiddleware, LoggingMiddleware, ValidationMiddleware],
          broker: createBroker(config.brokerUrl),
        }),
        TerminusModule,
        MeetingsModule,
      ],
      controllers: [HealthController],
    };
  }
}
