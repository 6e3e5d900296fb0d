import { type INestApplication, Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';

/** Largest JSON body accepted; bigger ones get 413 before any handler runs. */
const BODY_LIMIT = '64kb';

/** Builds the HTTP app (used by main.ts and by the e2e tests). */
export async function createMeetingRoomsApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: process.env.LOG_LEVEL === 'silent' ? false : undefined,
  });
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
  return app;
}

export function logListening(app: INestApplication, port: number): void {
  const address = app.getHttpServer().address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  new Logger('MeetingRooms').log(`Listening on http://localhost:${actualPort} (API docs: http://localhost:${actualPort}/docs)`);
}
