import 'reflect-metadata';
import { createMeetingRoomsApp, logListening } from './app.factory.js';
import { loadConfig } from './config/app-config.js';

const config = loadConfig();
const app = await createMeetingRoomsApp(config);
await app.listen(config.port);
logListening(app, config.port);
