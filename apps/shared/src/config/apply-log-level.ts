import { ConsoleLogger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from './sample-environment.js';

/** The Nest log levels each LOG_LEVEL prints. */
const LEVELS: Record<SampleEnvironment['LOG_LEVEL'], LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  log: ['fatal', 'error', 'warn', 'log'],
  silent: [],
};

/**
 * Applies LOG_LEVEL, which is only known once `ConfigService` exists: create
 * the app with `bufferLogs: true`, then call this. Until then Nest holds its
 * messages back (and prints them anyway if startup fails).
 */
export function applyLogLevel(app: INestApplicationContext): void {
  const config = app.get<ConfigService<SampleEnvironment, true>>(ConfigService);
  const levels = LEVELS[config.get('LOG_LEVEL', { infer: true })];
  app.useLogger(levels.length ? new ConsoleLogger({ logLevels: levels }) : false);
}
