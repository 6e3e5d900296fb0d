import { Module } from '@nestjs/common';
import { BrokerHealthIndicator } from './broker-health.indicator.js';
import { ConsumerHealthIndicator } from './consumer-health.indicator.js';
import { OutboxHealthIndicator } from './outbox-health.indicator.js';

/**
 * Provides the library's health indicators for `@nestjs/terminus`'s
 * `HealthCheckService`: {@link OutboxHealthIndicator} (needs `OutboxModule`),
 * {@link BrokerHealthIndicator} and {@link ConsumerHealthIndicator}. They
 * return terminus-shaped results and load nothing from terminus themselves.
 * @publicApi
 */
@Module({
  providers: [OutboxHealthIndicator, BrokerHealthIndicator, ConsumerHealthIndicator],
  exports: [OutboxHealthIndicator, BrokerHealthIndicator, ConsumerHealthIndicator],
})
export class CqrsHealthModule {}
