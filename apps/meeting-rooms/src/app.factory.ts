import { type INestApplication, Logger, ValidationPipe } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { InMemoryEventConsumer } from 'nestjs-cqrs-broker';
import { isInMemoryBroker } from '../../shared/src/broker.factory.js';
import { applyLogLevel } from '../../shared/src/config/apply-log-level.js';
import { AppModule } from './app.module.js';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';

/** Largest JSON body accepted; bigger ones get 413 before any handler runs. */
const BODY_LIMIT = '64kb';

/**
 * Builds the HTTP app from the environment (used by main.ts and by the e2e
 * tests); on the in-memory broker it also hosts the notifications consumer.
 * Call `init()`, then `startAllMicroservices()`, then `listen()` on the result.
 */
export async function createMeetingRoomsApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { bodyParser: false, bufferLogs: true });
  applyLogLevel(app);
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Meeting rooms').setDescription('nestjs-cqrs-broker sample').setVersion('0.1.0').build(),
  );
  SwaggerModule.setup('docs', app, document);
  const config = app.get<ConfigService<MeetingRoomsEnvironment, true>>(ConfigService);
  if (isInMemoryBroker(config.get('BROKER_URL', { infer: true }))) {
    app.connectMicroservice({ strategy: new InMemoryEventConsumer() }, { inheritAppConfig: true });
  }
  return app;
}

/** Logs the address the app listens on (the fault suite waits for this line). */
export function logListening(app: INestApplication): void {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : address;
  new Logger('MeetingRooms').log(`Listening on http://localhost:${port} (API docs: http://localhost:${port}/docs)`);
}
