import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import type { BearerToken } from './bearer-token.js';
import type { HealthResponse } from './health.response.js';

/**
 * Runs `checks` and answers `{ status }` (200 `ok`, 503 otherwise). A caller
 * whose `Authorization` header carries `detailsToken` (HEALTH_TOKEN) also gets
 * each check's status; never the checks' details nor error messages (they may
 * name hosts and databases): the app's log has those.
 */
export async function healthResponse(
  health: HealthCheckService,
  checks: HealthIndicatorFunction[],
  authorization: string | undefined,
  detailsToken: BearerToken | undefined,
): Promise<HealthResponse> {
  const result = await health.check(checks).catch((error: unknown) => {
    // Terminus throws its full result (error messages included) as a 503's body.
    if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
    throw error;
  });
  const response: HealthResponse = { status: result.status };
  if (detailsToken?.matches(authorization)) {
    response.details = Object.fromEntries(Object.entries(result.details).map(([name, { status }]) => [name, { status }]));
  }
  if (result.status !== 'ok') throw new ServiceUnavailableException(response);
  return response;
}
