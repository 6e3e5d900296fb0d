import { Request } from 'nestjs-cqrs-broker';
import { IsId } from '../is-id.decorator.js';

export interface MeetingView {
  meetingId: string;
  link: string;
  participants: string[];
}

export class ReadMeetingQuery extends Request<MeetingView> {
  @IsId() readonly meetingId: string;

  constructor(meetingId: string) {
    super();
    this.meetingId = meetingId;
  }
}
