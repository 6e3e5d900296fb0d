import { Module } from '@nestjs/common';
import { EventTransportController } from './event-transport.controller.js';

/**
 * Connects `KafkaEventConsumer` / `AmqpEventConsumer` microservice servers to
 * the `EventConsumerPipeline` of `EventConsumerModule`. Import it next to
 * `EventConsumerModule.forRoot()` in apps that consume from a broker.
 * @publicApi
 */
@Module({ controllers: [EventTransportController] })
export class EventTransportModule {}
