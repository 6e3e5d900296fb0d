export { PrometheusMetrics, type ConsumerMetricOutcome } from './prometheus-metrics.js';
export { registerOutboxGauges, type OutboxGaugesOptions, type OutboxBacklogSource } from './outbox-gauges.js';
