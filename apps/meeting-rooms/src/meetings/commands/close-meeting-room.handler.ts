import { Injectable, Scope } from '@nestjs/common';
import { HandlesRequest, type RequestHandler } from 'nestjs-cqrs-broker';
import { DataSource } from 'typeorm';
import { MeetingRoom } from '../entities/meeting-room.entity.js';
import { MeetingRoomClosed } from '../events/meeting-room-closed.event.js';
import { CloseMeetingRoomCommand, type ClosedRoomView } from './close-meeting-room.command.js';

@HandlesRequest(CloseMeetingRoomCommand)
@Injectable({ scope: Scope.TRANSIENT })
export class CloseMeetingRoomCommandHandler implements RequestHandler<CloseMeetingRoomCommand> {
  readonly events: object[] = [];

  constructor(private readonly dataSource: DataSource) {}

  async handle({ roomId }: CloseMeetingRoomCommand): Promise<ClosedRoomView> {
    const { closedAt, closedNow } = await this.dataSource.transaction(async (manager) => {
      const room = await manager.findOneBy(MeetingRoom, { id: roomId });
      if (room?.closedAt) return { closedAt: room.closedAt, closedNow: false };
      const now = new Date();
      await manager.save(MeetingRoom, { id: roomId, closedAt: now });
      return { closedAt: now, closedNow: true };
    });
    const view = { roomId, closedAt: closedAt.toISOString() };
    if (closedNow) {
      this.events.push(new MeetingRoomClosed({ payload: { meetingRoomId: roomId, closedAt: view.closedAt }, key: roomId }));
    }
    return view;
  }
}
