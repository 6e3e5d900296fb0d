import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createMeetingNotificationsApp } from './app.factory.js';
import { loadConfig } from './config/app-config.js';

const config = loadConfig();
const app = await createMeetingNotificationsApp(config);
// Handlers register at init; the consumers read their topics from them when they start.
await app.init();
await app.startAllMicroservices();
await app.listen(config.port);
new Logger('MeetingNotifications').log(`Notifications at http://localhost:${config.port}/notifications`);
