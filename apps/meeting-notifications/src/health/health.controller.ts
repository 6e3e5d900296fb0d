import { Controller, Get, Headers } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthCheckService, type HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ConsumerHealthIndicator } from 'nestjs-cqrs-broker/health';
import { BearerToken } from '../../../shared/src/http/bearer-token.js';
import { healthResponse } from '../../../shared/src/http/health-check.js';
import type { HealthResponse } from '../../../shared/src/http/health.response.js';
import type { NotificationsEnvironment } from '../config/notifications.environment.js';
import { ConsumerRef } from './consumer-ref.js';

/**
 * `GET /health/live`: down only when the consumer has closed (it will not
 * come back by itself). `GET /health/ready`: the database answers and the
 * consumer is connected and consuming. `{ status }` for anyone (200 `ok`,
 * 503 `error`); each check's status too with `Authorization: Bearer
 * <HEALTH_TOKEN>`; never error messages.
 */
@Controller('health')
export class HealthController {
  private readonly detailsToken?: BearerToken;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly consumers: ConsumerHealthIndicator,
    private readonly ref: ConsumerRef,
    config: ConfigService<NotificationsEnvironment, true>,
  ) {
    const token = config.get('HEALTH_TOKEN', { infer: true });
    if (token) this.detailsToken = new BearerToken(token);
  }

  @Get('live')
  live(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    return healthResponse(this.health, [() => this.consumer('alive')], authorization, this.detailsToken);
  }

  @Get('ready')
  ready(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    return healthResponse(this.health, [() => this.database.pingCheck('database'), () => this.consumer('ready')], authorization, this.detailsToken);
  }

  private consumer(kind: 'alive' | 'ready'): HealthIndicatorResult {
    const { consumer } = this.ref;
    if (!consumer) return { consumer: { status: kind === 'alive' ? 'up' : 'down' } };
    return kind === 'alive' ? this.consumers.isAlive('consumer', consumer) : this.consumers.isReady('consumer', consumer);
  }
}
