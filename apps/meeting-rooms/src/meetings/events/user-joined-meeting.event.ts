import { IntegrationEvent, NotificationEvent } from 'nestjs-cqrs-broker';

export interface UserJoinedMeetingPayload {
  meetingId: string;
  userId: string;
}

/** To the broker: a user joined a meeting. Keyed by meeting, so one meeting's joins stay in order. */
@IntegrationEvent({ name: 'user_joined_meeting', topic: 'meeting_notifications' })
export class UserJoinedMeeting extends NotificationEvent<UserJoinedMeetingPayload> {}
