import { Logger as NestLogger } from '@nestjs/common';
import type { Logger, LoggerOptions } from 'typeorm';

/** What the samples ask TypeORM to log: failed queries, warnings, schema changes and migrations; never every query. */
export const DATABASE_LOGGING: LoggerOptions = ['error', 'warn', 'schema', 'migration'];

/**
 * TypeORM's log through Nest's logger, never with SQL parameter values:
 * a failed or slow query is logged as its SQL text (placeholders only) and
 * the driver's error code. TypeORM's own loggers print `PARAMETERS: [...]`.
 */
export class DatabaseLogger implements Logger {
  private readonly logger = new NestLogger('Database');

  logQuery(query: string): void {
    this.logger.verbose(query);
  }

  logQueryError(error: string | Error, query: string): void {
    // The driver's message is left out too: MySQL's quote the values ("Duplicate entry 'ada' for key …").
    const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    const name = typeof error === 'string' ? 'query failed' : error.name;
    this.logger.error(`${name}${code === undefined ? '' : ` (${String(code)})`} in: ${query}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}
