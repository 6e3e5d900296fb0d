import type { SagaRecovery } from './saga-recovery.js';

/** Message pattern through which `SagaRecoveryServer` collects the recovery workers of a microservice. */
export const SAGA_RECOVERY_PATTERN = 'cqrs-broker.saga-recovery';

/** Passed by the server to each saga module's handler, which adds its worker. */
export interface SagaRecoverySink {
  add(recovery: SagaRecovery): void;
}
