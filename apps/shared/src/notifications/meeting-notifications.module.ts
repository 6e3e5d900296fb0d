import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventConsumerModule } from 'nestjs-cqrs-broker';
import { InboxAttemptStore, InboxModule, createInboxAttemptsEntity, createInboxEntity } from 'nestjs-cqrs-broker/inbox';
import { DataSource } from 'typeorm';
import type { SampleEnvironment } from '../config/sample-environment.js';
import { CrashHook } from './crash-hook.js';
import { DeliveryLog } from './delivery-log.js';
import { MeetingRoomClosedHandler } from './meeting-room-closed.handler.js';
import { Notification } from './notification.entity.js';
import { NotificationsController } from './notifications.controller.js';
import { UserJoinedMeetingHandler } from './user-joined-meeting.handler.js';

/** The consumer name: the inbox key, the attempt counts' key, `x-dead-letter-consumer`, the logs' prefix, and the default Kafka group / RabbitMQ queue (CONSUMER_GROUP changes only the latter). */
export const MEETING_NOTIFICATIONS_CONSUMER = 'meeting-notifications';

/** Tables this feature needs in the host app's DataSource. */
export const MEETING_NOTIFICATIONS_ENTITIES = [Notification, createInboxEntity(), createInboxAttemptsEntity()];

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
    // Attempts are counted in the database: a message that crashes the consumer every time still ends in the dead letter.
    EventConsumerModule.forRootAsync({
      inject: [DataSource, ConfigService],
      useFactory: (dataSource: DataSource, config: ConfigService<SampleEnvironment, true>) => ({
        name: MEETING_NOTIFICATIONS_CONSUMER,
        attempts: new InboxAttemptStore(dataSource),
        unknownEvents: config.get('UNKNOWN_EVENTS', { infer: true }),
      }),
    }),
  ],
  controllers: [NotificationsController],
  providers: [DeliveryLog, CrashHook, MeetingRoomClosedHandler, UserJoinedMeetingHandler],
})
export class MeetingNotificationsModule {}
