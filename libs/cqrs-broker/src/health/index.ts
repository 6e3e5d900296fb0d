export { BrokerHealthIndicator } from './broker-health.indicator.js';
export { ConsumerHealthIndicator, type HealthCheckedConsumer } from './consumer-health.indicator.js';
export { CqrsHealthModule } from './cqrs-health.module.js';
export type { CqrsHealthResult } from './health-result.js';
export { OUTBOX_HEALTH_DEFAULTS, OutboxHealthIndicator, type OutboxHealthThresholds } from './outbox-health.indicator.js';
