export type { DeadOutboxPage } from './outbox-admin.controller.js';
export { OUTBOX_ADMIN_DEFAULTS, type OutboxAdminModuleOptions } from './outbox-admin-options.interface.js';
export { OutboxAdminModule } from './outbox-admin.module.js';
