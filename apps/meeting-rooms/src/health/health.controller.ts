import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import type { MeetingRoomsEnvironment } from '../config/meeting-rooms.environment.js';
import { HealthCheckStatus, HealthResponse } from './health.response.js';

/**
 * `GET /health`: `{ status }` for anyone (200 `ok`, 503 `error`). A caller
 * with `Authorization: Bearer <HEALTH_TOKEN>` also gets each check's
 * status. Never the checks' error messages: they name the database and its
 * host; the app's log has them.
 */
@ApiTags('health')
@ApiExtraModels(HealthCheckStatus)
@Controller('health')
export class HealthController {
  private readonly tokenDigest?: Buffer;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    config: ConfigService<MeetingRoomsEnvironment, true>,
  ) {
    const token = config.get('HEALTH_TOKEN', { infer: true });
    if (token) this.tokenDigest = digest(token);
  }

  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({ type: HealthResponse, description: 'The database answers. `details` only with `Authorization: Bearer <HEALTH_TOKEN>`.' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'The database does not answer.' })
  async check(@Headers('authorization') authorization?: string): Promise<HealthResponse> {
    const result = await this.health.check([() => this.database.pingCheck('database')]).catch((error: unknown) => {
      // Terminus throws its full result (error messages included) as a 503's body.
      if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
      throw error;
    });
    const response: HealthResponse = { status: result.status };
    if (this.authorized(authorization)) {
      response.details = Object.fromEntries(Object.entries(result.details).map(([name, { status }]) => [name, { status }]));
    }
    if (result.status !== 'ok') throw new ServiceUnavailableException(response);
    return response;
  }

  private authorized(header: string | undefined): boolean {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    return this.tokenDigest !== undefined && token !== undefined && timingSafeEqual(digest(token), this.tokenDigest);
  }
}

/** Equal-length digests, so comparing them takes the same time whatever the token. */
const digest = (token: string): Buffer => createHash('sha256').update(token).digest();
