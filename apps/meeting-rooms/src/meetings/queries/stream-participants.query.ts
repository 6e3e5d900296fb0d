import { StreamRequest } from 'nestjs-cqrs-broker';
import { IsId } from '../is-id.decorator.js';

export interface ParticipantView {
  userId: string;
  /** ISO 8601. */
  joinedAt: string;
}

/** A meeting's participants one by one, in the order they joined: a stream, so a large meeting is never loaded at once. */
export class StreamParticipantsQuery extends StreamRequest<ParticipantView> {
  @IsId() readonly meetingId: string;

  constructor(meetingId: string) {
    super();
    this.meetingId = meetingId;
  }
}
