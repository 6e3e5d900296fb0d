import { IsNotEmpty, IsOptional, IsString, MinLength } from 'class-validator';
import { SampleEnvironment } from '../../../shared/src/config/sample-environment.js';
import { MEETING_NOTIFICATIONS_CONSUMER } from '../../../shared/src/notifications/meeting-notifications.module.js';

/** The notifications service's variables (README, "Configuration"), with their defaults. */
export class NotificationsEnvironment extends SampleEnvironment {
  override PORT = 3001;

  /** Where the sample keeps its SQLite file when DATABASE_URL is not set. */
  override DATABASE_URL = 'sqlite:./data/meeting-notifications.sqlite';

  /** Kafka consumer group / RabbitMQ queue; the inbox always keys on the module's consumer name. */
  @IsString()
  @IsNotEmpty()
  CONSUMER_GROUP = MEETING_NOTIFICATIONS_CONSUMER;

  /** A caller sending `Authorization: Bearer <HEALTH_TOKEN>` sees `/health/live`'s and `/health/ready`'s per-check status; unset: nobody does. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: '$property must be at least 16 characters long' })
  HEALTH_TOKEN?: string;
}
