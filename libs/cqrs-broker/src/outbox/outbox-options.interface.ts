import type { DataSource } from 'typeorm';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { OutboxHandlerEventsPolicy } from './handler-events-route.js';
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
 * Where the relay reads new events from. `table`: rows of the outbox table,
 * claimed with a lease (every database). `logical-replication` (PostgreSQL
 * only): the write-ahead log, through a logical replication slot; a
 * transaction's events are written as one transactional logical-decoding
 * message (`pg_logical_emit_message`), so they cost no table row, no index
 * entry and no claim. The slot's confirmed position is the relay's only
 * cursor: the relay publishes, then acknowledges. Needs `wal_level =
 * logical` and a role with the REPLICATION attribute (docs/outbox.md).
 * @publicApi
 */
export type OutboxRelaySource = 'table' | 'logical-replication';

/**
 * How the table relay holds a batch while it publishes it. `lease`: the
 * claim writes `locked_by` / `locked_until` and commits, the batch is
 * published, then a second UPDATE marks it published (two row versions and
 * two statements per batch; every database). `lock` (PostgreSQL, MariaDB,
 * MySQL): a transaction on a connection of its own selects the batch `FOR
 * UPDATE SKIP LOCKED`, keeps the row locks while the broker publishes it,
 * then one UPDATE marks it published and commits: one row version per event,
 * and a relay that dies frees its rows at once (its connection closes) rather
 * than when a lease runs out. It holds a pooled connection and an open
 * transaction per batch in flight (up to three while draining).
 * @publicApi
 */
export type OutboxClaimMode = 'lease' | 'lock';

/**
 * Tuning of the relay. Every field is optional; the values of the defaults
 * live in {@link OUTBOX_DEFAULTS}.
 * @publicApi
 */
export interface OutboxRelayOptions {
  /**
   * Run a relay inside this app, from bootstrap to shutdown (quick start: the
   * app publishes its own events). `OutboxRelayServer` starts it regardless.
   * @default true
   */
  enabled?: boolean;
  /**
   * Rows claimed and published per round trip (one `broker.publish` call per batch).
   * @default 100
   */
  batchSize?: number;
  /**
   * Longest sleep between two claims when nothing wakes the relay: the safety
   * net behind the commit wake-up.
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * How long a claim keeps other relays off a batch. A relay that dies
   * mid-batch gives its rows back when the lease runs out, so this bounds the
   * delay before they are retried. Keep it well above a slow publish: a lease
   * that expires during a publish lets a second relay publish the rows again.
   * With `claim: 'lock'` there is no lease: a publish that has not settled
   * after `leaseMs` counts as failed (its rows are rescheduled by `retry` and
   * the transaction commits), and on PostgreSQL the database itself ends a
   * batch's transaction left idle for 2 × `leaseMs` + 5 s (a relay cut off
   * from it), so its rows are freed.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * How a batch is held while it is published; see {@link OutboxClaimMode}.
   * `lock` is refused at startup on SQLite (`ConfigurationException`).
   * @default 'lease'
   */
  claim?: OutboxClaimMode;
  /**
   * Failed publishes: after `maxAttempts` a row becomes `dead`; between
   * attempts it waits `initialDelayMs`·`factor`^(n−1), capped at `maxDelayMs`,
   * drawn from [50 %, 100 %) of that with `jitter: 'full'` (relays that failed
   * together do not retry together). The defaults give about 10 minutes of
   * retries: 1 s, 2 s, 4 s… never more than 5 min apart.
   * @default { maxAttempts: 10, initialDelayMs: 1000, maxDelayMs: 300000, factor: 2, jitter: 'full' }
   */
  retry?: Partial<RetryPolicy>;
  /**
   * How long published rows are kept, for audit and replay, before deletion (0: delete at the next purge).
   * @default 604800000 (7 days)
   */
  retentionMs?: number;
  /**
   * How often the relay deletes published rows older than the retention.
   * @default 60000
   */
  purgeIntervalMs?: number;
  /**
   * Rows deleted per statement when purging (the relay's and `OutboxAdmin`'s),
   * so purges never hold long locks.
   * @default 1000
   */
  purgeBatchSize?: number;
  /**
   * On shutdown, how long to wait for the batch in flight before releasing its lease.
   * @default 10000
   */
  shutdownTimeoutMs?: number;
  /**
   * `per-key`: never publish an event while an older event with the same key
   * is still pending (leased elsewhere or waiting for its retry); a `dead` row
   * no longer holds its successors back. Claims cost about the same with many
   * keys, up to ~2× with a few hot keys. `none`: plain id order per claim.
   * @default 'per-key'
   */
  ordering?: OutboxOrdering;
  /**
   * Where new events are read from; see {@link OutboxRelaySource}. It also
   * decides how `OutboxRepository` writes them (a row, or a WAL message), so
   * writers and relays of one table must agree on it.
   * @default 'table'
   */
  source?: OutboxRelaySource;
  /**
   * `logical-replication` only: the replication slot (and publication) the
   * relays of this table share; created at startup when missing. One relay
   * streams it at a time; the others wait and take over when it goes away.
   * Lower-case letters, digits and `_`, at most 63 characters.
   * @default `cqrs_outbox_<table>` (the table name with other characters as `_`)
   */
  slotName?: string;
  /**
   * Name this relay writes in `locked_by` (at most 128 characters).
   * @default `<host>:<pid>:<random>`
   */
  relayId?: string;
}

/**
 * Options of `OutboxModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface OutboxModuleOptions {
  /**
   * The TypeORM data source holding the outbox table (and your business tables).
   * @default the app's `DataSource` provider (e.g. from `TypeOrmModule.forRoot`)
   */
  dataSource?: DataSource;
  /**
   * Table name, optionally `schema.table`. Must match the entity and migration you registered.
   * @default 'outbox'
   */
  tableName?: string;
  /**
   * Compression of new rows' bodies (bodies are small JSON; turn on `zlib`,
   * `gzip` or `brotli` for big payloads). Old rows keep the codec they were written with.
   * @default 'none'
   */
  codec?: OutboxCodec;
  /**
   * Wake relays in other processes at once when a transaction that added
   * rows commits, where the database can (PostgreSQL: `NOTIFY` on commit,
   * `LISTEN` in relays). Ignored on other databases: their relays poll.
   * @default true
   */
  notify?: boolean;
  /**
   * What becomes of notification and ECST events a request or event handler
   * leaves in its `events` (instead of adding them with `OutboxTransaction`
   * inside its transaction): `outbox` writes them to the outbox after the
   * handler returned, in a transaction of their own, and warns once per
   * event type that this is not atomic with the handler's writes; `broker`
   * publishes them at once, bypassing the outbox; `reject` fails the emit
   * with `IntegrationEventOutsideOutboxException`. See
   * {@link OutboxHandlerEventsPolicy}.
   * @default 'outbox'
   */
  handlerEvents?: OutboxHandlerEventsPolicy;
  /** Tuning of the relay; see each field for its default. */
  relay?: OutboxRelayOptions;
}
