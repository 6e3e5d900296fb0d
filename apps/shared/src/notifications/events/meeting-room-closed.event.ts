import { IsOptional, IsString } from 'class-validator';
import { ECSTEvent, IntegrationEvent } from 'nestjs-cqrs-broker';

/** This service's copy of the contract: checked when the event arrives. */
export class MeetingRoomClosedPayload {
  @IsString() meetingRoomId!: string;
  @IsOptional() @IsString() closedAt?: string;
}

/** From meeting-rooms: a room was closed (event-carried state transfer). */
@IntegrationEvent({ name: 'meeting_room_closed', topic: 'meeting_room_notifications', payload: MeetingRoomClosedPayload })
export class MeetingRoomClosed extends ECSTEvent<MeetingRoomClosedPayload> {}
