import { Module } from '@nestjs/common';
import { EVENT_CONSUMER_OPTIONS, EventConsumerConfigurableModule } from './event-consumer.module-definition.js';
import { EventConsumerPipeline } from './event-consumer-pipeline.js';
import { InMemoryEventConsumer } from './in-memory-event-consumer.js';
import { EventTransportController } from './transport/event-transport.controller.js';

/**
 * Makes this app a consumer of integration events: provides the
 * `EventConsumerPipeline` (decode → `EventMediator` → retry / dead letter)
 * that the in-memory consumer and the Kafka and RabbitMQ microservice
 * transports (`KafkaEventConsumer`, `AmqpEventConsumer`) feed; the latter
 * reach it through message patterns of a controller this module registers.
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
 * @publicApi
 */
@Module({
  controllers: [EventTransportController],
  providers: [EventConsumerPipeline, InMemoryEventConsumer],
  exports: [EventConsumerPipeline, InMemoryEventConsumer, EVENT_CONSUMER_OPTIONS],
})
export class EventConsumerModule extends EventConsumerConfigurableModule {}
