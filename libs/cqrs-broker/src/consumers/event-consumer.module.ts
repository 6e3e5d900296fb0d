import { Module } from '@nestjs/common';
import { EVENT_CONSUMER_OPTIONS, EventConsumerConfigurableModule } from './event-consumer.module-definition.js';
import { EventConsumerPipeline } from './event-consumer-pipeline.js';
import { InMemoryEventConsumer } from './in-memory-event-consumer.js';

/**
 * Makes this app a consumer of integration events: provides the
 * `EventConsumerPipeline` (decode → `EventMediator` → retry / dead letter)
 * that the Kafka and RabbitMQ transports and the in-memory consumer feed.
 * Needs `CqrsBrokerModule`. Global by default.
 *
 * @example
 * \@Module({
 *   imports: [
 *     CqrsBrokerModule.forRoot({}),
 *     EventConsumerModule.forRoot({ name: 'meeting-notifications', retry: { maxAttempts: 5 } }),
 *     EventTransportModule, // from 'nestjs-cqrs-broker/kafka' or '/amqp', when consuming from a broker
 *   ],
 *   providers: [UserJoinedMeetingHandler],
 * })
 * export class AppModule {}
 * @publicApi
 */
@Module({
  providers: [EventConsumerPipeline, InMemoryEventConsumer],
  exports: [EventConsumerPipeline, InMemoryEventConsumer, EVENT_CONSUMER_OPTIONS],
})
export class EventConsumerModule extends EventConsumerConfigurableModule {}
