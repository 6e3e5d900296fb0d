import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Request } from 'nestjs-cqrs-broker';

export interface ClosedRoomView {
  roomId: string;
  closedAt: string;
}

/** Closes a meeting room; announces it once with a `meeting_room_closed` ECST event. */
export class CloseMeetingRoomCommand extends Request<ClosedRoomView> {
  @IsString() @IsNotEmpty() @MaxLength(100) readonly roomId: string;

  constructor(roomId: string) {
    super();
    this.roomId = roomId;
  }
}
