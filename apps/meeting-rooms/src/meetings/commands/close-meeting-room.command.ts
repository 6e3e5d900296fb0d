import { Request } from 'nestjs-cqrs-broker';
import { IsId } from '../is-id.decorator.js';

export interface ClosedRoomView {
  roomId: string;
  closedAt: string;
}

/** Closes a meeting room; announces it once with a `meeting_room_closed` ECST event. */
export class CloseMeetingRoomCommand extends Request<ClosedRoomView> {
  @IsId() readonly roomId: string;

  constructor(roomId: string) {
    super();
    this.roomId = roomId;
  }
}
