import { Injectable } from '@nestjs/common';
import { HandlesRequest, type RequestHandler } from 'nestjs-cqrs-broker';
import { OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
import { MeetingRoom } from '../entities/meeting-room.entity.js';
import { MeetingRoomClosed } from '../events/meeting-room-closed.event.js';
import { CloseMeetingRoomCommand, type ClosedRoomView } from './close-meeting-room.command.js';

/** The seed's example: the room's new state and its ECST event are written in one transaction. */
@HandlesRequest(CloseMeetingRoomCommand)
@Injectable()
export class CloseMeetingRoomCommandHandler implements RequestHandler<CloseMeetingRoomCommand> {
  constructor(private readonly outbox: OutboxTransaction) {}

  handle({ roomId }: CloseMeetingRoomCommand): Promise<ClosedRoomView> {
    return this.outbox.run(async ({ manager, add }) => {
      const room = await manager.findOneBy(MeetingRoom, { id: roomId });
      // Closing a closed room changes nothing, so it announces nothing.
      if (room?.closedAt) return { roomId, closedAt: room.closedAt.toISOString() };
      const closedAt = new Date();
      await manager.save(MeetingRoom, { id: roomId, closedAt });
      add(new MeetingRoomClosed({ payload: { meetingRoomId: roomId, closedAt: closedAt.toISOString() }, key: roomId }));
      return { roomId, closedAt: closedAt.toISOString() };
    });
  }
}
