import 'reflect-metadata';
import type { ConfigService as Config } from '@nestjs/config';
import { startTelemetry } from '../../shared/src/telemetry/start-telemetry.js';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the OpenTelemetry SDK starts before the app's modules load (its
// instrumentations patch http, pg, kafkajs and amqplib as they load); unset, nothing of it is imported.
await startTelemetry('meeting-rooms');
const { ConfigService } = await import('@nestjs/config');
const { createMeetingRoomsApp, logListening } = await import('./app.factory.js');
const app = await createMeetingRoomsApp();
// Handlers register at init; the in-memory consumer reads their topics when it starts.
await app.init();
await app.startAllMicroservices();
await app.listen(app.get<Config<MeetingRoomsEnvironment, true>>(ConfigService).get('PORT', { infer: true }));
logListening(app);
