import { ApiProperty } from '@nestjs/swagger';
import { ID_MAX_LENGTH, IsId } from '../is-id.decorator.js';

export class JoinMeetingBody {
  @ApiProperty({ example: 'user-42', minLength: 1, maxLength: ID_MAX_LENGTH, pattern: '\\S', description: 'Not blank; no control characters.' })
  @IsId()
  userId: string;
}
