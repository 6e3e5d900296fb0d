import type { EntitySchema } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { INBOX_DEFAULTS } from './inbox-defaults.js';
import type { InboxRecord } from './inbox-record.js';

/** Options of {@link createInboxEntity} and `createInboxMigration`. @publicApi */
export interface InboxTableOptions {
  /**
   * The inbox table; the same as `InboxModuleOptions.tableName`.
   * @default 'inbox'
   */
  tableName?: string;
}

const schemas = new Map<string, EntitySchema<InboxRecord>>();

/**
 * The TypeORM entity of the inbox table; add it to your DataSource's
 * `entities`. One schema object per table name, so the DataSource and the
 * `Inbox` use the same one.
 *
 * @example
 * new DataSource({ type: 'postgres', url, entities: [createInboxEntity(), ...], migrations: [CreateInboxTable1760000000000] });
 * @publicApi
 */
export function createInboxEntity({ tableName = INBOX_DEFAULTS.tableName }: InboxTableOptions = {}): EntitySchema<InboxRecord> {
  let schema = schemas.get(tableName);
  if (!schema) {
    const { EntitySchema } = requireOptionalPeer<typeof import('typeorm')>('typeorm', 'createInboxEntity');
    schema = new EntitySchema<InboxRecord>({
      // Distinct names let several inbox tables live in one DataSource.
      name: tableName === INBOX_DEFAULTS.tableName ? 'InboxRecord' : `InboxRecord:${tableName}`,
      tableName,
      columns: {
        consumerName: { name: 'consumer_name', type: String, length: 255, primary: true },
        eventId: { name: 'event_id', type: String, length: 255, primary: true },
        eventName: { name: 'event_name', type: String, length: 255, nullable: true },
        receivedAt: { name: 'received_at', type: Date, createDate: true },
      },
    });
    schemas.set(tableName, schema);
  }
  return schema;
}
