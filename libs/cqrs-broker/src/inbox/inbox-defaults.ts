/**
 * The values of every inbox default, in one place; each is documented on its
 * option (`InboxModuleOptions`, `InboxTableOptions`).
 * @publicApi
 */
export const INBOX_DEFAULTS = Object.freeze({
  tableName: 'inbox',
});
