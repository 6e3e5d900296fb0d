import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class JoinMeetingBody {
  @ApiProperty({ example: 'user-42', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  userId: string;
}
