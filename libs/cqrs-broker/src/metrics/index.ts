export { PrometheusMetrics, type ConsumerMetricOutcome } from './prometheus-metrics.js';
export { registerOutboxGauges, type OutboxGaugesOptions, type OutboxStatsSource } from './outbox-gauges.js';
