import { type DynamicModule, Module } from '@nestjs/common';
import { ConditionalModule, ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { CorrelationMiddleware, CqrsBrokerModule, LoggingMiddleware, ValidationMiddleware } from 'nestjs-cqrs-broker';
import { OutboxAdminModule } from 'nestjs-cqrs-broker/admin';
import { CqrsHealthModule } from 'nestjs-cqrs-broker/health';
import { createMessageBroker, isInMemoryBroker } from '../../shared/src/broker.factory.js';
import { validateEnvironment } from '../../shared/src/config/validate-environment.js';
import { AdminTokenGuard } from '../../shared/src/http/admin-token.guard.js';
import { SampleMetricsModule } from '../../shared/src/metrics/sample-metrics.module.js';
import { MEETING_NOTIFICATIONS_ENTITIES, MeetingNotificationsModule } from '../../shared/src/notifications/meeting-notifications.module.js';
import { telemetryWanted } from '../../shared/src/telemetry/start-telemetry.js';
import { TelemetryShutdownHook } from '../../shared/src/telemetry/telemetry-shutdown.hook.js';
import { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';
import { databaseModule } from './config/database.config.js';
import { outboxModule } from './config/outbox.config.js';
import { HealthController } from './health/health.controller.js';
import { MEETING_ENTITIES, MeetingsModule } from './meetings/meetings.module.js';
import { BookingsModule } from './bookings/bookings.module.js';

/**
 * The meeting-rooms API: HTTP → RequestMediator → handlers, which write their
 * rows and integration events in one transaction (outbox); the relay, in this
 * process unless `RUN_RELAY=false`, publishes them. On the in-memory broker
 * the notifications consumer runs here too (`GET /notifications`), since no
 * other process could reach this one's broker. Everything is configured from
 * the environment through `ConfigService`.
 */
@Module({})
export class AppModule {
  /** Reads and validates the environment when called: call it at startup, not at import. */
  static forRoot(): DynamicModule {
    // GET /metrics: this app's registry (the library's metrics, the outbox gauges, Node's defaults).
    const registry = new Registry();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(MeetingRoomsEnvironment) }),
        databaseModule((config) => [
          ...MEETING_ENTITIES,
          ...(isInMemoryBroker(config.get('BROKER_URL', { infer: true })) ? MEETING_NOTIFICATIONS_ENTITIES : []),
        ]),
        ScheduleModule.forRoot(),
        CqrsBrokerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<MeetingRoomsEnvironment, true>) => ({
            middlewares: [CorrelationMiddleware, LoggingMiddleware, ValidationMiddleware],
            broker: createMessageBroker(config.get('BROKER_URL', { infer: true }), { amqpTopology: config.get('AMQP_TOPOLOGY', { infer: true }) }),
            wireFormat: config.get('WIRE_FORMAT', { infer: true }),
            naiveTimestampZone: config.get('NAIVE_TIMESTAMP_ZONE', { infer: true }),
            metrics: { registry },
            // Spans when main.ts started the OpenTelemetry SDK (OTEL_EXPORTER_OTLP_ENDPOINT set).
            tracing: telemetryWanted(),
          }),
        }),
        SampleMetricsModule.forRoot(registry, { outbox: true }),
        outboxModule({ relayServer: false }),
        TerminusModule,
        CqrsHealthModule,
        // The outbox admin routes (/admin/outbox/…) exist only when ADMIN_TOKEN is set, behind its bearer token.
        ConditionalModule.registerWhen(OutboxAdminModule.register({ path: 'admin/outbox', guards: [AdminTokenGuard] }), (env) => !!env.ADMIN_TOKEN),
        MeetingsModule,
        BookingsModule,
        // Which modules exist must be known before DI runs, so this reads process.env, where
        // ConfigModule (validated just above) has also put BROKER_URL's default.
        ConditionalModule.registerWhen(MeetingNotificationsModule, (env) => isInMemoryBroker(env.BROKER_URL)),
      ],
      controllers: [HealthController],
      providers: [TelemetryShutdownHook],
    };
  }
}
