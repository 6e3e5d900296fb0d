import type { DataSource } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { INBOX_NO_DATA_SOURCE } from '../errors/messages.js';
import { INBOX_DEFAULTS } from './inbox-defaults.js';
import type { InboxModuleOptions } from './inbox-options.interface.js';

/** Inbox options with every default filled in. @publicApi */
export interface ResolvedInboxOptions {
  readonly dataSource: DataSource;
  readonly tableName: string;
}

/**
 * Completes the module's options with {@link INBOX_DEFAULTS}, so a missing
 * data source fails at startup; the result is frozen. `appDataSource` (the
 * app's default `DataSource`) is used when `dataSource` is not given.
 */
export function resolveInboxOptions(options: InboxModuleOptions, appDataSource?: DataSource): ResolvedInboxOptions {
  const dataSource = options.dataSource ?? appDataSource;
  if (!dataSource) throw new ConfigurationException(INBOX_NO_DATA_SOURCE);
  return Object.freeze({ dataSource, tableName: options.tableName ?? INBOX_DEFAULTS.tableName });
}
