import { type INestApplication, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { redactUrl } from 'nestjs-cqrs-broker';
import { createConsumerTransport, isInMemoryBroker } from '../../shared/src/broker.factory.js';
import { applyLogLevel } from '../../shared/src/config/apply-log-level.js';
import { configureHttpEdge } from '../../shared/src/http/http-edge.js';
import { UnexpectedErrorFilter } from '../../shared/src/http/unexpected-error.filter.js';
import { NotificationsAppModule } from './app.module.js';
import type { NotificationsEnvironment } from './config/notifications.environment.js';
import { ConsumerRef } from './health/consumer-ref.js';

/**
 * The hybrid app, built from the environment: HTTP for `GET /notifications`,
 * plus the consumer of BROKER_URL as a connected microservice (used by main.ts
 * and by tests). Call `init()`, then `startAllMicroservices()`, then
 * `listen()` on the result.
 */
export async function createMeetingNotificationsApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(NotificationsAppModule.forRoot(), {
    bodyParser: false,
    bufferLogs: true,
    // Throw bootstrap errors to the caller (tests, main.ts) instead of exiting the process.
    abortOnError: false,
  });
  applyLogLevel(app);
  configureHttpEdge(app);
  app.useGlobalFilters(new UnexpectedErrorFilter(app.get(HttpAdapterHost).httpAdapter));
  app.enableShutdownHooks();
  const config = app.get<ConfigService<NotificationsEnvironment, true>>(ConfigService);
  const [brokerUrl, group] = [config.get('BROKER_URL', { infer: true }), config.get('CONSUMER_GROUP', { infer: true })];
  const strategy = createConsumerTransport(brokerUrl, group, { amqpTopology: config.get('AMQP_TOPOLOGY', { infer: true }) });
  app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  app.get(ConsumerRef).consumer = strategy;
  const logger = new Logger('MeetingNotifications');
  if (isInMemoryBroker(brokerUrl)) {
    logger.warn(
      'BROKER_URL is memory:// (or unset): no other process can reach this one. Set BROKER_URL to kafka://… or amqp://…, ' +
        'or let meeting-rooms host the notifications on its in-memory broker (npm start).',
    );
  } else {
    logger.log(`Consuming meeting events from ${redactUrl(brokerUrl)} as "${group}"`);
  }
  return app;
}
