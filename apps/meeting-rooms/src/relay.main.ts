import 'reflect-metadata';
import type { ConfigService as Config } from '@nestjs/config';
import { startTelemetry } from '../../shared/src/telemetry/start-telemetry.js';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the OpenTelemetry SDK starts before the relay's modules load (see main.ts).
await startTelemetry('meeting-rooms-relay');
const { Logger } = await import('@nestjs/common');
const { ConfigService } = await import('@nestjs/config');
const { NestFactory } = await import('@nestjs/core');
const { redactUrl } = await import('nestjs-cqrs-broker');
const { OutboxRelayServer } = await import('nestjs-cqrs-broker/outbox');
const { RelayModule } = await import('./relay/relay.module.js');

// `npm run relay`: the outbox relay alone, as a Nest microservice, on the same DATABASE_URL and BROKER_URL as the API.
const app = await NestFactory.createMicroservice(RelayModule.forRoot(), { strategy: new OutboxRelayServer() });
app.enableShutdownHooks();
await app.listen();
const config = app.get<Config<MeetingRoomsEnvironment, true>>(ConfigService);
const database = redactUrl(config.get('DATABASE_URL', { infer: true }));
new Logger('Relay').log(`Relaying the outbox of ${database} to ${redactUrl(config.get('BROKER_URL', { infer: true }))}`);
