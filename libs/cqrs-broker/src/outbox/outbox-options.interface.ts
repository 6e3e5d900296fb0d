import type { DataSource } from 'typeorm';
import type { OutboxCodec } from './outbox-codec.js';

/**
 * How relays order what they publish. `per-key`: a row with an `event_key`
 * is claimed only when every older pending row with that key is claimed with
 * it, so the events of one key reach the broker in id order even with several
 * relays or after a retry. `none`: rows are claimed oldest first, but a key's
 * later events may overtake an earlier one that waits for a retry or is held
 * by another relay. Rows without a key are never held back.
 * @publicApi
 */
export type OutboxOrdering = 'per-key' | 'none';

/**
 * Tuning of the relay. Every field is optional; the defaults are listed in
 * {@link OUTBOX_DEFAULTS}.
 * @publicApi
 */
export interface OutboxRelayOptions {
  /** Run a relay inside this app, from bootstrap to shutdown. `OutboxRelayServer` starts it regardless. */
  enabled?: boolean;
  /** Rows claimed and published per round trip (one `broker.publish` call per batch). */
  batchSize?: number;
  /** Longest sleep between two claims when nothing wakes the relay (the safety net behind the commit wake-up). */
  pollIntervalMs?: number;
  /**
   * How long a claim keeps other relays off a batch. A relay that dies
   * mid-batch gives its rows back when the lease runs out, so this bounds the
   * delay before they are retried. Keep it well above a slow publish: a lease
   * that expires during a publish lets a second relay publish the rows again.
   */
  leaseMs?: number;
  /** Failed publishes after which a row becomes `dead`. */
  maxAttempts?: number;
  /** First retry delay; it doubles per attempt, with jitter, up to {@link backoffMaxMs}. */
  backoffBaseMs?: number;
  /** Upper bound of the retry delay. */
  backoffMaxMs?: number;
  /** How long published rows are kept before deletion (0: delete at the next purge). */
  retentionMs?: number;
  /** How often the relay deletes published rows older than the retention. */
  purgeIntervalMs?: number;
  /** Rows deleted per statement when purging, so purges never hold long locks. */
  purgeBatchSize?: number;
  /** On shutdown, how long to wait for the batch in flight before releasing its lease. */
  shutdownTimeoutMs?: number;
  /**
   * `per-key`: never publish an event while an older event with the same key
   * is still pending (leased elsewhere or waiting for its retry); a `dead` row
   * no longer holds its successors back. `none`: plain id order per claim.
   */
  ordering?: OutboxOrdering;
  /** Name this relay writes in `locked_by`. Default: `<host>:<pid>:<random>`. */
  relayId?: string;
}

/**
 * Options of `OutboxModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface OutboxModuleOptions {
  /** The TypeORM data source holding the outbox table (and your business tables). */
  dataSource: DataSource;
  /** Table name, optionally `schema.table`. Must match the entity and migration you registered. */
  tableName?: string;
  /** Compression of new rows' bodies. Old rows keep the codec they were written with. */
  codec?: OutboxCodec;
  /**
   * PostgreSQL only: `NOTIFY` on commit and `LISTEN` in relays, so relays in
   * other processes wake at once too. Ignored on other databases.
   */
  notify?: boolean;
  relay?: OutboxRelayOptions;
}
