import type { OutboxCodec } from 'nestjs-cqrs-broker/outbox';

/** Where the sample keeps its SQLite file when DATABASE_URL is not set. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/meeting-rooms.sqlite';

/** The sample's settings, read from the environment. */
export interface AppConfig {
  port: number;
  databaseUrl: string;
  brokerUrl: string;
  /** Run the outbox relay inside the API process (default). Off when a separate `npm run relay` does it. */
  runRelay: boolean;
  /** Compression of new outbox rows. */
  outboxCodec: OutboxCodec;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    brokerUrl: env.BROKER_URL || 'memory://',
    runRelay: (env.RUN_RELAY ?? 'true') !== 'false',
    outboxCodec: (env.OUTBOX_CODEC as OutboxCodec | undefined) ?? 'none',
  };
}
