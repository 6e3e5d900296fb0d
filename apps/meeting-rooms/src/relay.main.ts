import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { redactUrl } from 'nestjs-cqrs-broker';
import { OutboxRelayServer } from 'nestjs-cqrs-broker/outbox';
import { loadConfig } from './config/app-config.js';
import { RelayModule } from './relay/relay.module.js';

// `npm run relay`: the outbox relay alone, as a Nest microservice, on the same DATABASE_URL and BROKER_URL as the API.
const config = loadConfig();
const app = await NestFactory.createMicroservice(RelayModule.forRoot(config), { strategy: new OutboxRelayServer() });
app.enableShutdownHooks();
await app.listen();
new Logger('Relay').log(`Relaying the outbox of ${redactUrl(config.databaseUrl)} to ${redactUrl(config.brokerUrl)}`);
