import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CQRS_BROKER_TRANSPORT } from '../consumers/transport/event-transport.constants.js';
import { SagaRecovery } from './saga-recovery.js';
import { SAGA_RECOVERY_PATTERN, type SagaRecoverySink } from './saga-recovery.sink.js';

/**
 * Hands this module's recovery worker to `SagaRecoveryServer` (a transport
 * strategy cannot reach Nest's container, but it does receive the app's
 * message handlers). In an HTTP app it has no routes and is inert.
 */
@Controller()
export class SagaRecoveryController {
  constructor(@Inject(SagaRecovery) private readonly recovery: SagaRecovery) {}

  @EventPattern(SAGA_RECOVERY_PATTERN, CQRS_BROKER_TRANSPORT)
  register(@Payload() sink: SagaRecoverySink): void {
    sink.add(this.recovery);
  }
}
