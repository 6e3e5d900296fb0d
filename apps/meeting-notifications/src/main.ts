import 'reflect-metadata';
import type { ConfigService as Config } from '@nestjs/config';
import { startTelemetry } from '../../shared/src/telemetry/start-telemetry.js';
import type { NotificationsEnvironment } from './config/notifications.environment.js';

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the OpenTelemetry SDK starts before the app's modules load (see meeting-rooms/src/main.ts).
await startTelemetry('meeting-notifications');
const { Logger } = await import('@nestjs/common');
const { ConfigService } = await import('@nestjs/config');
const { createMeetingNotificationsApp } = await import('./app.factory.js');

const app = await createMeetingNotificationsApp();
// Handlers register at init; the consumers read their topics from them when they start.
await app.init();
await app.startAllMicroservices();
const port = app.get<Config<NotificationsEnvironment, true>>(ConfigService).get('PORT', { infer: true });
await app.listen(port);
new Logger('MeetingNotifications').log(`Notifications at http://localhost:${port}/notifications`);
