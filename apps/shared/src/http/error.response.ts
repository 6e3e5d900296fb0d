import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every 4xx/5xx answer (Swagger schema). */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiPropertyOptional({ example: 'Bad Request' }) error?: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['userId must be a string', 'property extra should not exist'],
    description: 'What is wrong; for 400 one message per problem.',
  })
  message: string | string[];
}
