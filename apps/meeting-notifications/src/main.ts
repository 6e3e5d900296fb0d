import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createMeetingNotificationsApp } from './app.factory.js';
import type { NotificationsEnvironment } from './config/notifications.environment.js';

const app = await createMeetingNotificationsApp();
// Handlers register at init; the consumers read their topics from them when they start.
await app.init();
await app.startAllMicroservices();
const port = app.get<ConfigService<NotificationsEnvironment, true>>(ConfigService).get('PORT', { infer: true });
await app.listen(port);
new Logger('MeetingNotifications').log(`Notifications at http://localhost:${port}/notifications`);
