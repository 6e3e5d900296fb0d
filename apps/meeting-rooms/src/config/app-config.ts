import { DEFAULT_DATABASE_URL } from './database-options.js';

/** The sample's settings, read from the environment. */
export interface AppConfig {
  port: number;
  databaseUrl: string;
  brokerUrl: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    brokerUrl: env.BROKER_URL || 'memory://',
  };
}
