import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { CqrsBrokerModule } from 'nestjs-cqrs-broker';
import { createMessageBroker } from '../../../shared/src/broker.factory.js';
import { validateEnvironment } from '../../../shared/src/config/validate-environment.js';
import { telemetryWanted } from '../../../shared/src/telemetry/start-telemetry.js';
import { TelemetryShutdownHook } from '../../../shared/src/telemetry/telemetry-shutdown.hook.js';
import { MeetingRoomsEnvironment } from '../config/meeting-rooms.environment.js';
import { databaseModule } from '../config/database.config.js';
import { outboxModule } from '../config/outbox.config.js';

/** Only what relaying needs: the database, the broker and the outbox (used by `npm run relay` and `npm run outbox`). */
@Module({})
export class RelayModule {
  /** Reads and validates the environment when called, with the API's variables. */
  static forRoot(): DynamicModule {
    return {
      module: RelayModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment(MeetingRoomsEnvironment) }),
        databaseModule(),
        ScheduleModule.forRoot(),
        CqrsBrokerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<MeetingRoomsEnvironment, true>) => ({
            broker: createMessageBroker(config.get('BROKER_URL', { infer: true }), { amqpTopology: config.get('AMQP_TOPOLOGY', { infer: true }) }),
            wireFormat: config.get('WIRE_FORMAT', { infer: true }),
            // The relay's publish spans when relay.main.ts started the OpenTelemetry SDK.
            tracing: telemetryWanted(),
          }),
        }),
        outboxModule({ relayServer: true }),
      ],
      providers: [TelemetryShutdownHook],
    };
  }
}
