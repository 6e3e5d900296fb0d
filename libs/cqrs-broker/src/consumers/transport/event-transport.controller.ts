import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IntegrationEventRegistry } from '../../events/integration-event-registry.js';
import type { ConsumedMessage, ConsumeOutcome } from '../consumed-message.js';
import { EventConsumerPipeline } from '../event-consumer-pipeline.js';
import { CONSUME_EVENT_PATTERN, EVENT_TOPICS_PATTERN } from './event-transport.constants.js';

/**
 * The route from a broker transport into the app: Nest registers these
 * patterns on every connected microservice server, so a custom strategy
 * reaches the DI-managed pipeline the Nest way (interceptors and filters of
 * the microservice apply).
 */
@Controller()
export class EventTransportController {
  constructor(
    private readonly pipeline: EventConsumerPipeline,
    private readonly registry: IntegrationEventRegistry,
  ) {}

  @MessagePattern(CONSUME_EVENT_PATTERN)
  consume(@Payload() message: ConsumedMessage): Promise<ConsumeOutcome> {
    return this.pipeline.consume(message);
  }

  @MessagePattern(EVENT_TOPICS_PATTERN)
  topics(): string[] {
    return this.registry.topics();
  }
}
