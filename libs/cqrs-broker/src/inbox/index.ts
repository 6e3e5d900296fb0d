export { Inbox, type InboxEvent, type InboxOutcome } from './inbox.js';
export { InboxModule } from './inbox.module.js';
export { INBOX_OPTIONS } from './inbox.module-definition.js';
export type { InboxModuleOptions } from './inbox-options.interface.js';
export { INBOX_DEFAULTS } from './inbox-defaults.js';
export type { InboxRecord } from './inbox-record.js';
export { createInboxEntity, type InboxTableOptions } from './inbox.entity.js';
export { createInboxMigration, CreateInboxTable1760000000000 } from './inbox.migration.js';
export { InboxAttemptStore } from './inbox-attempt-store.js';
export {
  createInboxAttemptsEntity,
  createInboxAttemptsMigration,
  CreateInboxAttemptsTable1770000000000,
  DEFAULT_ATTEMPTS_TABLE,
  type InboxAttemptRecord,
  type InboxAttemptsTableOptions,
} from './inbox-attempts.table.js';
