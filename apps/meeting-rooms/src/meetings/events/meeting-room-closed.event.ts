import { ECSTEvent, IntegrationEvent } from 'nestjs-cqrs-broker';

export interface MeetingRoomClosedPayload {
  meetingRoomId: string;
  closedAt: string;
}

/** To the broker, carrying the room's full state (event-carried state transfer). */
@IntegrationEvent({ name: 'meeting_room_closed', topic: 'meeting_room_notifications' })
export class MeetingRoomClosed extends ECSTEvent<MeetingRoomClosedPayload> {}
