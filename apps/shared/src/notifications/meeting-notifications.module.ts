import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventConsumerModule } from 'nestjs-cqrs-broker';
import { InboxModule, createInboxEntity } from 'nestjs-cqrs-broker/inbox';
import { DeliveryLog } from './delivery-log.js';
import { MeetingRoomClosedHandler } from './meeting-room-closed.handler.js';
import { Notification } from './notification.entity.js';
import { NotificationsController } from './notifications.controller.js';
import { UserJoinedMeetingHandler } from './user-joined-meeting.handler.js';

/** The consumer name: the inbox key, the dead-letter header, and the default Kafka group / RabbitMQ queue. */
export const MEETING_NOTIFICATIONS_CONSUMER = 'meeting-notifications';

/** Tables this feature needs in the host app's DataSource. */
export const MEETING_NOTIFICATIONS_ENTITIES = [Notification, createInboxEntity()];

/**
 * Notifications about meetings: consumes `meeting_room_closed` and
 * `user_joined_meeting`, stores each notification once (inbox) and serves
 * `GET /notifications`. Shared because two apps host it: meeting-notifications
 * as its own process, and meeting-rooms on the in-memory broker (no other
 * process could reach that one). The host needs a global `ConfigService` over
 * a `SampleEnvironment` (for `DeliveryLog`), `CqrsBrokerModule`, and a TypeORM DataSource
 * listing {@link MEETING_NOTIFICATIONS_ENTITIES}, and connects the consumer
 * transport for BROKER_URL (`createConsumerTransport`).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Notification]),
    InboxModule.forRoot({}),
    EventConsumerModule.forRoot({ name: MEETING_NOTIFICATIONS_CONSUMER }),
  ],
  controllers: [NotificationsController],
  providers: [DeliveryLog, MeetingRoomClosedHandler, UserJoinedMeetingHandler],
})
export class MeetingNotificationsModule {}
