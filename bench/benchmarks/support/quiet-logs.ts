import { Logger } from '@nestjs/common';

/** Only warnings and errors from the library's Nest loggers: the report owns stdout. */
export function quietNestLogs(): void {
  Logger.overrideLogger(['warn', 'error']);
}
