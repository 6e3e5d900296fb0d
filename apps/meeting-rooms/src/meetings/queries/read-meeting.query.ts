import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Request } from 'nestjs-cqrs-broker';

export interface MeetingView {
  meetingId: string;
  link: string;
  participants: string[];
}

export class ReadMeetingQuery extends Request<MeetingView> {
  @IsString() @IsNotEmpty() @MaxLength(100) readonly meetingId: string;

  constructor(meetingId: string) {
    super();
    this.meetingId = meetingId;
  }
}
