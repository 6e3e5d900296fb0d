import { type INestApplication, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { InMemoryEventConsumer } from 'nestjs-cqrs-broker';
import { isInMemoryBroker } from '../../shared/src/broker.factory.js';
import { applyLogLevel } from '../../shared/src/config/apply-log-level.js';
import { configureHttpEdge } from '../../shared/src/http/http-edge.js';
import { UnexpectedErrorFilter } from '../../shared/src/http/unexpected-error.filter.js';
import { AppModule } from './app.module.js';
import type { MeetingRoomsEnvironment } from './config/meeting-rooms.environment.js';

/** Where the Swagger UI is served when API docs are on. */
const DOCS_PATH = 'docs';

/**
 * Builds the HTTP app from the environment (used by main.ts and by the e2e
 * tests); on the in-memory broker it also hosts the notifications consumer.
 * Call `init()`, then `startAllMicroservices()`, then `listen()` on the result.
 */
export async function createMeetingRoomsApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { bodyParser: false, bufferLogs: true });
  applyLogLevel(app);
  configureHttpEdge(app);
  app.useGlobalFilters(new UnexpectedErrorFilter(app.get(HttpAdapterHost).httpAdapter));
  app.enableShutdownHooks();
  const config = app.get<ConfigService<MeetingRoomsEnvironment, true>>(ConfigService);
  if (apiDocsEnabled(config)) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Meeting rooms').setDescription('nestjs-cqrs-broker sample').setVersion('0.1.0').build(),
    );
    SwaggerModule.setup(DOCS_PATH, app, document);
  }
  if (isInMemoryBroker(config.get('BROKER_URL', { infer: true }))) {
    app.connectMicroservice({ strategy: new InMemoryEventConsumer() }, { inheritAppConfig: true });
  }
  return app;
}

/** API_DOCS when set; otherwise on, except with NODE_ENV=production. */
function apiDocsEnabled(config: ConfigService<MeetingRoomsEnvironment, true>): boolean {
  // ConfigService falls back to process.env for a variable the validated config lacks: `API_DOCS=` reads as ''.
  const apiDocs: unknown = config.get('API_DOCS', { infer: true });
  return typeof apiDocs === 'boolean' ? apiDocs : config.get('NODE_ENV', { infer: true }) !== 'production';
}

/** Logs the address the app listens on (the fault suite waits for this line). */
export function logListening(app: INestApplication): void {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : address;
  const docs = apiDocsEnabled(app.get(ConfigService)) ? ` (API docs: http://localhost:${port}/${DOCS_PATH})` : '';
  new Logger('MeetingRooms').log(`Listening on http://localhost:${port}${docs}`);
}
