import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthCheckStatus {
  @ApiProperty({ enum: ['up', 'down'] }) status: string;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' }) status: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/HealthCheckStatus' },
    example: { database: { status: 'up' } },
    description: 'The status of each check; only for `Authorization: Bearer <HEALTH_TOKEN>`.',
  })
  details?: Record<string, HealthCheckStatus>;
}
