import { ConsoleLogger, type INestApplicationContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnvironment } from './sample-environment.js';

/**
 * Applies LOG_LEVEL, which is only known once `ConfigService` exists: create
 * the app with `bufferLogs: true`, then call this. Until then Nest holds its
 * messages back (and prints them anyway if startup fails).
 */
export function applyLogLevel(app: INestApplicationContext): void {
  const config = app.get<ConfigService<SampleEnvironment, true>>(ConfigService);
  app.useLogger(config.get('LOG_LEVEL', { infer: true }) === 'silent' ? false : new ConsoleLogger());
}
