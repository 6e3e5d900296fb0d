import { Module } from '@nestjs/common';
import { EVENT_CONSUMER_OPTIONS, EventConsumerConfigurableModule } from './event-consumer.module-definition.js';
import { EventConsumerPipeline } from './event-consumer-pipeline.js';
import { EventTransportController } from './transport/event-transport.controller.js';

/**
 * Makes this app a consumer of integration events: provides the
 * `EventConsumerPipeline` (decode → `EventMediator` → retry / dead letter)
 * and the controller whose message patterns are the one route into it. A
 * transport connected as a microservice feeds it: `KafkaEventConsumer`,
 * `AmqpEventConsumer`, or `InMemoryEventConsumer` for the in-memory broker.
 * Needs `CqrsBrokerModule`. Global by default.
 *
 * @example
 * \@Module({
 *   imports: [
 *     CqrsBrokerModule.forRoot({}),
 *     EventConsumerModule.forRoot({ name: 'meeting-notifications', retry: { maxAttempts: 5 } }),
 *   ],
 *   providers: [UserJoinedMeetingHandler],
 * })
 * export class AppModule {}
 *
 * const app = await NestFactory.create(AppModule);
 * app.connectMicroservice({ strategy: new InMemoryEventConsumer() }, { inheritAppConfig: true });
 * await app.init();
 * await app.startAllMicroservices();
 * @publicApi
 */
@Module({
  controllers: [EventTransportController],
  providers: [EventConsumerPipeline],
  exports: [EventConsumerPipeline, EVENT_CONSUMER_OPTIONS],
})
export class EventConsumerModule extends EventConsumerConfigurableModule {}
