import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { HandlesEvent, type EventHandler } from 'nestjs-cqrs-broker';
import { Inbox } from 'nestjs-cqrs-broker/inbox';
import { MeetingRoomClosed } from './events/meeting-room-closed.event.js';
import { DeliveryLog } from './delivery-log.js';
import { Notification } from './notification.entity.js';

@HandlesEvent(MeetingRoomClosed)
@Injectable()
export class MeetingRoomClosedHandler implements EventHandler<MeetingRoomClosed> {
  constructor(
    private readonly inbox: Inbox,
    private readonly deliveries: DeliveryLog,
  ) {}

  async handle(event: MeetingRoomClosed): Promise<void> {
    const { meetingRoomId } = event.payload;
    const outcome = await this.inbox.transaction(event, (manager) =>
      manager.insert(Notification, {
        id: randomUUID(),
        eventId: event.eventId,
        kind: event.eventName,
        message: `Meeting room ${meetingRoomId} was closed`,
        meetingId: null,
        meetingRoomId,
        userId: null,
        occurredAt: event.eventTimestamp,
      }),
    );
    this.deliveries.record(event.eventId, outcome.status);
  }
}
