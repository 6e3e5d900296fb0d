import { randomUUID } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { HandlesEvent, type EventHandler } from 'nestjs-cqrs-broker';
import { Inbox } from 'nestjs-cqrs-broker/inbox';
import { UserJoinedMeeting } from './events/user-joined-meeting.event.js';
import { CrashHook } from './crash-hook.js';
import { DeliveryLog } from './delivery-log.js';
import { Notification } from './notification.entity.js';

@HandlesEvent(UserJoinedMeeting)
@Injectable()
export class UserJoinedMeetingHandler implements EventHandler<UserJoinedMeeting> {
  constructor(
    private readonly inbox: Inbox,
    private readonly deliveries: DeliveryLog,
    /** Test only (CRASH_ON_EVENT_ID); absent or unset: nothing. */
    @Optional() private readonly crashHook?: CrashHook,
  ) {}

  async handle(event: UserJoinedMeeting): Promise<void> {
    const { meetingId, userId } = event.payload;
    // Same transaction as the inbox row: a redelivered event adds no second notification.
    const outcome = await this.inbox.transaction(event, async (manager) => {
      await manager.insert(Notification, {
        id: randomUUID(),
        eventId: event.eventId,
        kind: event.eventName,
        message: `User ${userId} joined meeting ${meetingId}`,
        meetingId,
        meetingRoomId: null,
        userId,
        occurredAt: event.eventTimestamp,
      });
      this.crashHook?.check(event.eventId);
    });
    this.deliveries.record(event.eventId, outcome.status);
  }
}
