import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { redactUrl } from 'nestjs-cqrs-broker';
import { OutboxRelayServer } from 'nestjs-cqrs-broker/outbox';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';
import { RelayModule } from './relay/relay.module.js';

// `npm run relay`: the outbox relay alone, as a Nest microservice, on the same DATABASE_URL and BROKER_URL as the API.
const app = await NestFactory.createMicroservice(RelayModule.forRoot(), { strategy: new OutboxRelayServer() });
app.enableShutdownHooks();
await app.listen();
const config = app.get<ConfigService<MeetingRoomsEnvironment, true>>(ConfigService);
const database = redactUrl(config.get('DATABASE_URL', { infer: true }));
new Logger('Relay').log(`Relaying the outbox of ${database} to ${redactUrl(config.get('BROKER_URL', { infer: true }))}`);
