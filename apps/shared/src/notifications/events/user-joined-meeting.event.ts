import { IsString } from 'class-validator';
import { IntegrationEvent, NotificationEvent } from 'nestjs-cqrs-broker';

/** This service's copy of the contract: checked when the event arrives. */
export class UserJoinedMeetingPayload {
  @IsString() meetingId!: string;
  @IsString() userId!: string;
}

/** From meeting-rooms: a user joined a meeting (keyed by meeting id). */
@IntegrationEvent({ name: 'user_joined_meeting', topic: 'meeting_notifications', payload: UserJoinedMeetingPayload })
export class UserJoinedMeeting extends NotificationEvent<UserJoinedMeetingPayload> {}
