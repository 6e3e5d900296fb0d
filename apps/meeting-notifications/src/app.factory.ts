import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { redactUrl } from 'nestjs-cqrs-broker';
import { NotificationsAppModule } from './app.module.js';
import type { NotificationsConfig } from './config/app-config.js';
import { createConsumerTransport } from '../../shared/src/broker.factory.js';

/**
 * The hybrid app: HTTP for `GET /notifications`, plus the Kafka or RabbitMQ
 * consumer as a connected microservice (used by main.ts and by e2e tests).
 * Call `init()`, then `startAllMicroservices()`, then `listen()` on the result.
 */
export async function createMeetingNotificationsApp(config: NotificationsConfig): Promise<INestApplication> {
  const app = await NestFactory.create(NotificationsAppModule.forRoot(config), {
    logger: process.env.LOG_LEVEL === 'silent' ? false : undefined,
    // Throw bootstrap errors to the caller (tests, main.ts) instead of exiting the process.
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const transport = createConsumerTransport(config.brokerUrl, config.consumerGroup);
  const logger = new Logger('MeetingNotifications');
  if (transport) {
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
    logger.log(`Consuming meeting events from ${redactUrl(config.brokerUrl)} as "${config.consumerGroup}"`);
  } else {
    logger.warn(
      'BROKER_URL is memory:// (or unset): no other process can reach this one. Set BROKER_URL to kafka://… or amqp://…, ' +
        'or mount MeetingNotificationsModule inside meeting-rooms (npm start).',
    );
  }
  return app;
}
