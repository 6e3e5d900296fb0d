import { randomUUID } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { HandlesEvent, type EventHandler } from 'nestjs-cqrs-broker';
import { Inbox } from 'nestjs-cqrs-broker/inbox';
import { MeetingRoomClosed } from './events/meeting-room-closed.event.js';
import { CrashHook } from './crash-hook.js';
import { DeliveryLog } from './delivery-log.js';
import { Notification } from './notification.entity.js';

@HandlesEvent(MeetingRoomClosed)
@Injectable()
export class MeetingRoomClosedHandler implements EventHandler<MeetingRoomClosed> {
  constructor(
    private readonly inbox: Inbox,
    private readonly deliveries: DeliveryLog,
    /** Test only (CRASH_ON_EVENT_ID); absent or unset: nothing. */
    @Optional() private readonly crashHook?: CrashHook,
  ) {}

  async handle(event: MeetingRoomClosed): Promise<void> {
    const { meetingRoomId } = event.payload;
    const outcome = await this.inbox.transaction(event, async (manager) => {
      await manager.insert(Notification, {
        id: randomUUID(),
        eventId: event.eventId,
        kind: event.eventName,
        message: `Meeting room ${meetingRoomId} was closed`,
        meetingId: null,
        meetingRoomId,
        userId: null,
        occurredAt: event.eventTimestamp,
      });
      this.crashHook?.check(event.eventId);
    });
    this.deliveries.record(event.eventId, outcome.status);
  }
}
