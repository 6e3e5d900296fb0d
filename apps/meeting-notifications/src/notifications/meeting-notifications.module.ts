import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventConsumerModule, type RetryPolicy } from 'nestjs-cqrs-broker';
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

export interface MeetingNotificationsOptions {
  /** Consume from the app's in-memory broker (single-process setups); otherwise connect a Kafka/RabbitMQ transport. */
  inMemory?: boolean;
  retry?: Partial<RetryPolicy>;
}

/**
 * Notifications about meetings: consumes `meeting_room_closed` and
 * `user_joined_meeting`, stores each notification once (inbox) and serves
 * `GET /notifications`. Mountable in another app (e.g. meeting-rooms with the
 * in-memory broker) as long as that app has `CqrsBrokerModule` and a TypeORM
 * DataSource listing {@link MEETING_NOTIFICATIONS_ENTITIES}.
 */
@Module({})
export class MeetingNotificationsModule {
  static forRoot(options: MeetingNotificationsOptions = {}): DynamicModule {
    return {
      module: MeetingNotificationsModule,
      imports: [
        TypeOrmModule.forFeature([Notification]),
        InboxModule.forRoot({}),
        EventConsumerModule.forRoot({ name: MEETING_NOTIFICATIONS_CONSUMER, inMemory: options.inMemory, retry: options.retry }),
      ],
      controllers: [NotificationsController],
      providers: [DeliveryLog, MeetingRoomClosedHandler, UserJoinedMeetingHandler],
    };
  }
}
