import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { createMeetingRoomsApp, logListening } from './app.factory.js';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';

const app = await createMeetingRoomsApp();
// Handlers register at init; the in-memory consumer reads their topics when it starts.
await app.init();
await app.startAllMicroservices();
await app.listen(app.get<ConfigService<MeetingRoomsEnvironment, true>>(ConfigService).get('PORT', { infer: true }));
logListening(app);
