import { MEETING_NOTIFICATIONS_CONSUMER } from '../notifications/meeting-notifications.module.js';

/** Where the sample keeps its SQLite file when DATABASE_URL is not set. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/meeting-notifications.sqlite';

/** The notifications service's settings, read from the environment. */
export interface NotificationsConfig {
  port: number;
  databaseUrl: string;
  /** `memory://`, `kafka://host:port[,host:port]` or `amqp://user:pass@host:port/vhost`. */
  brokerUrl: string;
  /** Kafka consumer group / RabbitMQ queue; the inbox always keys on the module's consumer name. */
  consumerGroup: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  return {
    port: Number(env.PORT ?? 3001),
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    brokerUrl: env.BROKER_URL || 'memory://',
    consumerGroup: env.CONSUMER_GROUP || MEETING_NOTIFICATIONS_CONSUMER,
  };
}
