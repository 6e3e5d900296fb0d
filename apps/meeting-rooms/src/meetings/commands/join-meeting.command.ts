import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Request } from 'nestjs-cqrs-broker';

/** A user joins a meeting; the meeting is created on first join. */
export class JoinMeetingCommand extends Request {
  @IsString() @IsNotEmpty() @MaxLength(100) readonly meetingId: string;
  @IsString() @IsNotEmpty() @MaxLength(100) readonly userId: string;

  constructor(meetingId: string, userId: string) {
    super();
    this.meetingId = meetingId;
    this.userId = userId;
  }
}
