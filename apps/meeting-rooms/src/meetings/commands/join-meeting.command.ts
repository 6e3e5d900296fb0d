import { Request } from 'nestjs-cqrs-broker';
import { IsId } from '../is-id.decorator.js';

/** A user joins a meeting; the meeting is created on first join. */
export class JoinMeetingCommand extends Request {
  @IsId() readonly meetingId: string;
  @IsId() readonly userId: string;

  constructor(meetingId: string, userId: string) {
    super();
    this.meetingId = meetingId;
    this.userId = userId;
  }
}
