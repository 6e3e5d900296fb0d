import { Controller, Get, Headers } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { BrokerHealthIndicator, OutboxHealthIndicator } from 'nestjs-cqrs-broker/health';
import { BearerToken } from '../../../shared/src/http/bearer-token.js';
import { healthResponse } from '../../../shared/src/http/health-check.js';
import { HealthCheckStatus, HealthResponse } from '../../../shared/src/http/health.response.js';
import type { MeetingRoomsEnvironment } from '../config/meeting-rooms.environment.js';

/**
 * `GET /health` (the database), `GET /health/live` (the process answers: no
 * dependency, a restart would not fix an outage) and `GET /health/ready`
 * (database, broker producer connection, outbox backlog and dead rows):
 * `{ status }` for anyone (200 `ok`, 503 `error`). A caller with
 * `Authorization: Bearer <HEALTH_TOKEN>` also gets each check's status.
 * Never the checks' error messages: they name the database and its host;
 * the app's log has them.
 */
@ApiTags('health')
@ApiExtraModels(HealthCheckStatus)
@Controller('health')
export class HealthController {
  private readonly detailsToken?: BearerToken;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
    private readonly outbox: OutboxHealthIndicator,
    config: ConfigService<MeetingRoomsEnvironment, true>,
  ) {
    const token = config.get('HEALTH_TOKEN', { infer: true });
    if (token) this.detailsToken = new BearerToken(token);
  }

  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({ type: HealthResponse, description: 'The database answers. `details` only with `Authorization: Bearer <HEALTH_TOKEN>`.' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'The database does not answer.' })
  check(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    return healthResponse(this.health, [() => this.database.pingCheck('database')], authorization, this.detailsToken);
  }

  @Get('live')
  @ApiOkResponse({ type: HealthResponse, description: 'Liveness: the process answers HTTP.' })
  live(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    return healthResponse(this.health, [], authorization, this.detailsToken);
  }

  @Get('ready')
  @ApiBearerAuth()
  @ApiOkResponse({ type: HealthResponse, description: 'Readiness: database, broker and outbox are up. `details` only with `Authorization: Bearer <HEALTH_TOKEN>`.' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'The database or the broker is down, or the outbox backlog or dead rows passed their threshold.' })
  ready(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    return healthResponse(
      this.health,
      [() => this.database.pingCheck('database'), () => this.broker.check('broker'), () => this.outbox.check('outbox')],
      authorization,
      this.detailsToken,
    );
  }
}
