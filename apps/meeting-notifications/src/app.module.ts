import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Registry } from 'prom-client';
import { CqrsBrokerModule, LoggingMiddleware } from 'nestjs-cqrs-broker';
import { CqrsHealthModule } from 'nestjs-cqrs-broker/health';
import { validateEnvironment } from '../../shared/src/config/validate-environment.js';
import { databaseOptions } from '../../shared/src/database-options.js';
import { SampleMetricsModule } from '../../shared/src/metrics/sample-metrics.module.js';
import { MEETING_NOTIFICATIONS_ENTITIES, MeetingNotificationsModule } from '../../shared/src/notifications/meeting-notifications.module.js';
import { telemetryWanted } from '../../shared/src/telemetry/start-telemetry.js';
import { TelemetryShutdownHook } from '../../shared/src/telemetry/telemetry-shutdown.hook.js';
import { NotificationsEnvironment } from './config/notifications.environment.js';
import { ConsumerRef } from './health/consumer-ref.js';
import { HealthController } from './health/health.controller.js';

/** The meeting-notifications service as its own process, configured from the environment through `ConfigService`. */
@Module({})
export class NotificationsAppModule {
  /** Reads and validates the environment when called: call it at startup, not at import. */
  static forRoot(): DynamicModule {
    // GET /metrics: this app's registry (the library's metrics, Node's defaults).
    const registry = new Registry();
    return {
      module: NotificationsAppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(NotificationsEnvironment) }),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<NotificationsEnvironment, true>) => ({
            ...databaseOptions(config.get('DATABASE_URL', { infer: true })),
            entities: MEETING_NOTIFICATIONS_ENTITIES,
            synchronize: true,
          }),
        }),
        // This service only consumes: the default in-memory broker is enough for the events its handlers might emit.
        CqrsBrokerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<NotificationsEnvironment, true>) => ({
            middlewares: [LoggingMiddleware],
            naiveTimestampZone: config.get('NAIVE_TIMESTAMP_ZONE', { infer: true }),
            metrics: { registry },
            // Spans when main.ts started the OpenTelemetry SDK (OTEL_EXPORTER_OTLP_ENDPOINT set).
            tracing: telemetryWanted(),
          }),
        }),
        SampleMetricsModule.forRoot(registry, { outbox: false }),
        MeetingNotificationsModule,
        TerminusModule,
        CqrsHealthModule,
      ],
      controllers: [HealthController],
      providers: [ConsumerRef, TelemetryShutdownHook],
    };
  }
}
