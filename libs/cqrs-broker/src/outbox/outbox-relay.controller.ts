import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CQRS_BROKER_TRANSPORT } from '../consumers/transport/event-transport.constants.js';
import { OutboxRelay } from './outbox-relay.js';
import { OUTBOX_RELAY_PATTERN, type OutboxRelaySink } from './outbox-relay.sink.js';

/**
 * Hands this module's relay to `OutboxRelayServer`: a transport strategy
 * cannot reach Nest's container, but it does receive the app's message
 * handlers. Event handlers of one pattern are chained, so every outbox module
 * of the app answers. In an HTTP app this controller has no routes and is inert.
 */
@Controller()
export class OutboxRelayController {
  constructor(@Inject(OutboxRelay) private readonly relay: OutboxRelay) {}

  @EventPattern(OUTBOX_RELAY_PATTERN, CQRS_BROKER_TRANSPORT)
  register(@Payload() sink: OutboxRelaySink): void {
    sink.add(this.relay);
  }
}
