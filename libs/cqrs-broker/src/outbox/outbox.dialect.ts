import type { LoggerService } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { OUTBOX_CDC_NEEDS_POSTGRES } from '../errors/messages.js';
import { parseTableName, type OutboxDatabase } from './outbox-database.js';
import type { OutboxOrdering, OutboxRelaySource } from './outbox-options.interface.js';
import type { OutboxReplicationSlot } from './outbox-replication-slot.js';
import { OutboxStatus } from './outbox-status.js';
import { SqlParams } from './sql-params.js';

/** A row ready to insert: body already serialized and compressed. */
export interface PreparedOutboxRow {
  readonly eventId: string;
  readonly eventName: string;
  readonly topic: string;
  readonly key: string | null;
  readonly payload: Buffer;
  readonly contentType: string;
  readonly codec: string;
  /** JSON object of headers. */
  readonly headers: string;
}

/** A row a relay has leased. */
export interface ClaimedOutboxRow {
  readonly id: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly topic: string;
  readonly key: string | null;
  readonly payload: Buffer;
  readonly codec: string;
  readonly headers: string;
  readonly attempts: number;
}

/** A dead row, as the admin lists it. @publicApi */
export interface DeadOutboxRow {
  readonly id: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly topic: string;
  readonly key: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
}

/**
 * What is waiting in the outbox: pending and dead rows and the oldest pending
 * row's age. Read through the pending and dead rows' indexes only, so its cost
 * grows with the backlog, not with the published rows kept for `retentionMs`:
 * what gauges and health checks poll. @publicApi
 */
export interface OutboxBacklog {
  readonly pending: number;
  readonly dead: number;
  /** Age of the oldest pending row in ms (by database time); 0 when nothing is pending. */
  readonly oldestPendingAgeMs: number;
  /** PostgreSQL, when the outbox's replication slot exists (`relay.source: 'logical-replication'`): its lag. */
  readonly replication?: OutboxReplicationSlot;
}

/** One SQL statement with its bound values, in the order their placeholders appear. */
export interface OutboxSqlStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** Row counts and backlog age. @publicApi */
export interface OutboxStats {
  readonly pending: number;
  readonly published: number;
  readonly dead: number;
  /** Age of the oldest pending row in ms (by database time); 0 when nothing is pending. */
  readonly oldestPendingAgeMs: number;
  /** PostgreSQL, when the outbox's replication slot exists (`relay.source: 'logical-replication'`): its lag. */
  readonly replication?: OutboxReplicationSlot;
}

/**
 * Wake-ups from commits in other processes, for databases that deliver them
 * (PostgreSQL's LISTEN). The relay calls `start` before each claim, so a
 * source whose connection broke starts again; neither method throws.
 */
export interface OutboxWakeupSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The events of committed transactions, read from the database's change log
 * (relay source `logical-replication`). Exactly one relay streams a slot at a
 * time; the others wait in {@link run} and take over when it goes away.
 */
export interface OutboxChangeStream {
  /**
   * Hands batches of events, in commit order, to `onBatch` one at a time,
   * until `signal` aborts. A batch is acknowledged to the database only
   * after `onBatch` resolved; when it throws, or the connection breaks, the
   * stream starts again from the last acknowledged batch (at least once).
   */
  run(onBatch: (rows: PreparedOutboxRow[]) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** True while this process streams the slot (false while it waits as a standby). */
  readonly streaming: boolean;
}

/** What {@link OutboxDialect.createChangeStream} needs. */
export interface OutboxChangeStreamOptions {
  readonly slotName: string;
  /** Events handed over per batch, at most (whole transactions: a big one may exceed it). */
  readonly batchSize: number;
  /** How often a standby tries the slot, and an idle stream confirms its position. */
  readonly pollIntervalMs: number;
  readonly logger: LoggerService;
}

/** How {@link OutboxDialect.insertParked} stores events the change stream could not publish at once. */
export interface ParkedState {
  readonly status: OutboxStatus;
  readonly attempts: number;
  /** The next attempt at now + this. */
  readonly delayMs: number;
  readonly error: string | null;
}

export interface QueryOutcome {
  readonly rows: any[];
  readonly affected: number;
}

const CLAIMED_COLUMNS = 'id, event_id, event_name, topic, event_key, payload, codec, headers, attempts';
const ERROR_MAX_LENGTH = 4_000;
/** Rows per INSERT statement: well under every driver's bound-parameter limit. */
const INSERT_CHUNK = 500;

/**
 * All SQL the outbox runs, for one table. Times are always the database's
 * (`now()` in SQL, never the app's clock), so relays on hosts with skewed
 * clocks agree on when a lease expires or a retry is due. Every operation on
 * many rows is one statement per batch.
 */
export abstract class OutboxDialect {
  abstract readonly database: OutboxDatabase;
  /** The quoted table name. */
  protected readonly table: string;

  constructor(
    readonly dataSource: DataSource,
    readonly tableName: string,
  ) {
    const { schema, table } = parseTableName(tableName);
    this.table = schema ? `${this.quote(schema)}.${this.quote(table)}` : this.quote(table);
  }

  protected abstract quote(identifier: string): string;
  protected abstract params(): SqlParams;
  /** SQL for the database's current time. */
  protected abstract get now(): string;
  /** SQL for now + `ms` (negative for the past), binding what it needs. */
  protected abstract nowPlus(p: SqlParams, ms: number): string;
  /** SQL for the age in ms of a time column expression. */
  protected abstract ageMs(expression: string): string;
  /** Runs one statement on its own (autocommit), outside any transaction of the app. */
  protected async run(sql: string, values: readonly unknown[]): Promise<QueryOutcome> {
    // A pooled connection of its own: never one an app transaction is using.
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, values, true);
      return { rows: result.records ?? [], affected: result.affected ?? 0 };
    } finally {
      await runner.release();
    }
  }
  /**
   * Leases up to `limit` due rows, oldest first. With `per-key` ordering, a
   * row with a key is leased only if every older pending row with that key is
   * leased with it (see {@link keyHeadDue} and {@link noOlderPendingOutside}).
   */
  abstract claim(relayId: string, limit: number, leaseMs: number, ordering: OutboxOrdering, afterId?: string): Promise<ClaimedOutboxRow[]>;

  /**
   * ` AND id > …` when the claim starts after `afterId` (the relay's cursor
   * through a backlog), so the scan does not wade through the rows published
   * before it; nothing otherwise. Call it where its text goes (positional placeholders).
   */
  protected after(p: SqlParams, afterId: string | undefined): string {
    return afterId === undefined ? '' : ` AND id > ${p.add(afterId)}`;
  }

  /** `id IN (...)` for a batch of ids, one bound value per id unless the dialect does better. */
  protected idIn(p: SqlParams, ids: readonly string[]): string {
    return `id IN (${ids.map((id) => p.add(id)).join(', ')})`;
  }

  protected get dueCondition(): string {
    return `status = '${OutboxStatus.pending}' AND next_attempt_at <= ${this.now} AND (locked_until IS NULL OR locked_until < ${this.now})`;
  }

  /**
   * Per-key ordering, for candidate rows aliased `c`: the oldest pending row
   * of `c`'s key is not waiting for a retry. Rows held back by a retry are
   * left out of the candidates (instead of filling the batch window and
   * stalling every other key); one probe of the `(event_key, status, id)`
   * index per row. The lease is not looked at here: a key held by another
   * relay is only held briefly, and {@link noOlderPendingOutside} filters it.
   */
  protected get keyHeadDue(): string {
    return `(c.event_key IS NULL OR (SELECT h.next_attempt_at FROM ${this.table} h
      WHERE h.event_key = c.event_key AND h.status = '${OutboxStatus.pending}' ORDER BY h.id LIMIT 1) <= ${this.now})`;
  }

  /**
   * Per-key ordering, the rule itself, for candidate rows aliased `c` of the
   * CTE `candidates`: no older pending row with `c`'s key is outside the
   * candidates (leased by another relay, waiting for a retry, or skipped as
   * locked). `dead` rows do not count.
   */
  protected get noOlderPendingOutside(): string {
    return `(c.event_key IS NULL OR NOT EXISTS (SELECT 1 FROM ${this.table} o
      WHERE o.event_key = c.event_key AND o.status = '${OutboxStatus.pending}' AND o.id < c.id AND o.id NOT IN (SELECT id FROM candidates)))`;
  }

  protected get claimedColumns(): string {
    return CLAIMED_COLUMNS;
  }

  /**
   * Text between `SET …` and `WHERE` of the relay's own UPDATEs (lease,
   * published, failed, dead, release); PostgreSQL uses it to commit them
   * without waiting for the WAL flush. Empty elsewhere.
   */
  protected get relayUpdateFrom(): string {
    return '';
  }

  /** Inserts rows with the caller's manager, so they commit or roll back with its transaction. */
  async insert(manager: EntityManager, rows: readonly PreparedOutboxRow[], notify = false): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const p = this.params();
      const values = rows.slice(start, start + INSERT_CHUNK).map((row) => {
        const bound = [row.eventId, row.eventName, row.topic, row.key, row.payload, row.contentType, row.codec, row.headers].map((v) => p.add(v));
        return `(${bound.join(', ')}, '${OutboxStatus.pending}', 0, ${this.now}, ${this.now})`;
      });
      const sql = `INSERT INTO ${this.table} (event_id, event_name, topic, event_key, payload, content_type, codec, headers, status, attempts, next_attempt_at, created_at) VALUES ${values.join(', ')}`;
      const last = start + INSERT_CHUNK >= rows.length;
      await manager.query(notify && last ? this.insertAndNotify(sql, p) : sql, p.values);
    }
  }

  /**
   * The rows as one statement of literal SQL (no bound parameters) that the
   * caller sends in the same round trip as its COMMIT (`<statement>; COMMIT`,
   * see `OutboxTransaction`): the INSERT, with the wake-up when `notify`
   * (`table` source), or the WAL message (`logical-replication`). Undefined
   * where the driver cannot send two statements at once: the rows are then
   * inserted on their own before COMMIT, as {@link insert} does.
   */
  statementForCommit(_rows: readonly PreparedOutboxRow[], _notify: boolean, _source: OutboxRelaySource): string | undefined {
    return undefined;
  }

  /**
   * The last INSERT of {@link insert} with `notify`: one statement that also
   * notifies the {@link createWakeupSource} of other processes when the
   * transaction commits, saving a round trip per transaction. Databases
   * without a commit notification insert only.
   */
  protected insertAndNotify(insert: string, _p: SqlParams): string {
    return insert;
  }

  /** Marks a relay's leased rows published; returns how many it still held. */
  async markPublished(ids: readonly string[], relayId: string): Promise<number> {
    if (!ids.length) return 0;
    const { sql, values } = this.publishedStatement(ids, relayId);
    return (await this.run(sql, values)).affected;
  }

  /**
   * Records a failed publish of a relay's leased rows in one statement:
   * attempts + 1, the next attempt at now + `delayMs(attempts + 1)`, or
   * `dead` once `maxAttempts` is reached. The lease is released.
   */
  async markFailed(
    rows: readonly Pick<ClaimedOutboxRow, 'id' | 'attempts'>[],
    relayId: string,
    error: string,
    maxAttempts: number,
    delayMs: (attempt: number) => number,
  ): Promise<number> {
    if (!rows.length) return 0;
    const { sql, values } = this.failedStatement(rows, error, maxAttempts, delayMs, relayId);
    return (await this.run(sql, values)).affected;
  }

  /** Rows that can never be published (e.g. an unknown codec) go dead at once. */
  async markDead(ids: readonly string[], relayId: string, error: string): Promise<number> {
    if (!ids.length) return 0;
    const { sql, values } = this.deadStatement(ids, error, relayId);
    return (await this.run(sql, values)).affected;
  }

  /**
   * The outcome statements of a batch, shared by both claims: with `relayId`
   * (the lease claim) only rows that relay still holds change; without (the
   * lock claim) the batch's row locks are the guard.
   */
  protected publishedStatement(ids: readonly string[], relayId?: string): OutboxSqlStatement {
    const p = this.params();
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.published}', published_at = ${this.now}, locked_by = NULL, locked_until = NULL${this.relayUpdateFrom}
      WHERE ${this.idIn(p, ids)}${this.heldBy(p, relayId)} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }

  /** See {@link publishedStatement}. */
  protected failedStatement(
    rows: readonly Pick<ClaimedOutboxRow, 'id' | 'attempts'>[],
    error: string,
    maxAttempts: number,
    delayMs: (attempt: number) => number,
    relayId?: string,
  ): OutboxSqlStatement {
    const p = this.params();
    // status and next_attempt_at come before attempts: MySQL evaluates SET left to right with updated values.
    // Placeholders may be positional (?): bind in the order they appear in the text.
    const attemptValues = [...new Set(rows.map((r) => r.attempts))];
    const status = `CASE WHEN attempts + 1 >= ${p.add(maxAttempts)} THEN '${OutboxStatus.dead}' ELSE '${OutboxStatus.pending}' END`;
    const whens = attemptValues.map((a) => `WHEN ${p.add(a)} THEN ${this.nowPlus(p, delayMs(a + 1))}`).join(' ');
    const sql = `UPDATE ${this.table} SET
        status = ${status},
        next_attempt_at = CASE attempts ${whens} ELSE ${this.now} END,
        last_error = ${p.add(error.slice(0, ERROR_MAX_LENGTH))},
        locked_by = NULL, locked_until = NULL,
        attempts = attempts + 1${this.relayUpdateFrom}
      WHERE ${this.idIn(p, rows.map((r) => r.id))}${this.heldBy(p, relayId)} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }

  /** See {@link publishedStatement}. */
  protected deadStatement(ids: readonly string[], error: string, relayId?: string): OutboxSqlStatement {
    const p = this.params();
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.dead}', last_error = ${p.add(error.slice(0, ERROR_MAX_LENGTH))}, locked_by = NULL, locked_until = NULL, attempts = attempts + 1${this.relayUpdateFrom}
      WHERE ${this.idIn(p, ids)}${this.heldBy(p, relayId)} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }

  private heldBy(p: SqlParams, relayId: string | undefined): string {
    return relayId === undefined ? '' : ` AND locked_by = ${p.add(relayId)}`;
  }

  /** Gives leased rows back for any relay to claim at once. */
  async release(ids: readonly string[], relayId: string): Promise<number> {
    if (!ids.length) return 0;
    const p = this.params();
    const sql = `UPDATE ${this.table} SET locked_by = NULL, locked_until = NULL${this.relayUpdateFrom} WHERE ${this.idIn(p, ids)} AND locked_by = ${p.add(relayId)} AND status = '${OutboxStatus.pending}'`;
    return (await this.run(sql, p.values)).affected;
  }

  /** Deletes up to `limit` published rows older than `olderThanMs`; returns how many. */
  async purgePublishedBatch(olderThanMs: number, limit: number): Promise<number> {
    const p = this.params();
    const sql = `DELETE FROM ${this.table} WHERE id IN (SELECT id FROM ${this.table}
      WHERE status = '${OutboxStatus.published}' AND published_at <= ${this.nowPlus(p, -olderThanMs)} LIMIT ${p.add(limit)})`;
    return (await this.run(sql, p.values)).affected;
  }

  /** Every status counted (a pass over the whole table: the published rows too), for people and the CLI. */
  async stats(): Promise<OutboxStats> {
    const counts = await this.run(`SELECT status, COUNT(*) AS n FROM ${this.table} GROUP BY status`, []);
    const byStatus = Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)]));
    return {
      pending: byStatus[OutboxStatus.pending] ?? 0,
      published: byStatus[OutboxStatus.published] ?? 0,
      dead: byStatus[OutboxStatus.dead] ?? 0,
      oldestPendingAgeMs: await this.oldestPendingAgeMs(),
    };
  }

  /** Pending and dead counts and the oldest pending age, each from its status's index (one statement). */
  async backlog(): Promise<OutboxBacklog> {
    const { pending, dead } = OutboxStatus;
    const { rows } = await this.run(
      `SELECT (SELECT COUNT(*) FROM ${this.table} WHERE status = '${pending}') AS pending,
        (SELECT COUNT(*) FROM ${this.table} WHERE status = '${dead}') AS dead,
        (SELECT ${this.ageMs('created_at')} FROM ${this.table} WHERE id = (SELECT MIN(id) FROM ${this.table} WHERE status = '${pending}')) AS age`,
      [],
    );
    const row = rows[0];
    return { pending: Number(row.pending), dead: Number(row.dead), oldestPendingAgeMs: this.ageOf(row.age) };
  }

  private async oldestPendingAgeMs(): Promise<number> {
    const oldest = await this.run(
      `SELECT ${this.ageMs('created_at')} AS age FROM ${this.table} WHERE id = (SELECT MIN(id) FROM ${this.table} WHERE status = '${OutboxStatus.pending}')`,
      [],
    );
    return this.ageOf(oldest.rows[0]?.age);
  }

  private ageOf(age: unknown): number {
    return age === null || age === undefined ? 0 : Math.max(0, Math.round(Number(age)));
  }

  async listDead(limit: number, afterId?: string): Promise<DeadOutboxRow[]> {
    const p = this.params();
    const after = afterId === undefined ? '' : `AND id > ${p.add(afterId)}`;
    const { rows } = await this.run(
      `SELECT id, event_id, event_name, topic, event_key, attempts, last_error, created_at FROM ${this.table}
       WHERE status = '${OutboxStatus.dead}' ${after} ORDER BY id LIMIT ${p.add(limit)}`,
      p.values,
    );
    return rows.map((r) => ({
      id: String(r.id),
      eventId: r.event_id,
      eventName: r.event_name,
      topic: r.topic,
      key: r.event_key ?? null,
      attempts: Number(r.attempts),
      lastError: r.last_error ?? null,
      createdAt: this.toDate(r.created_at),
    }));
  }

  /** Makes dead rows pending again with a fresh attempt budget; all dead rows when `eventIds` is omitted. */
  async replayDead(eventIds?: readonly string[]): Promise<number> {
    const p = this.params();
    const which = eventIds ? `AND event_id IN (${eventIds.map((id) => p.add(id)).join(', ')})` : '';
    if (eventIds && !eventIds.length) return 0;
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.pending}', attempts = 0, next_attempt_at = ${this.now}, locked_by = NULL, locked_until = NULL
      WHERE status = '${OutboxStatus.dead}' ${which}`;
    return (await this.run(sql, p.values)).affected;
  }

  /**
   * Deletes published rows older than `olderThanMs`, `batchSize` per
   * statement so no purge holds long locks; returns how many.
   */
  async purgePublished(olderThanMs: number, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.purgePublishedBatch(olderThanMs, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /**
   * Change capture (relay source `logical-replication`): checks the server
   * allows it and creates what the relays stream from (slot, publication)
   * when missing, so events written from now on are kept for them. Throws
   * `ConfigurationException` naming what to change. Only PostgreSQL can.
   */
  async prepareChangeCapture(_slotName: string): Promise<void> {
    throw new ConfigurationException(OUTBOX_CDC_NEEDS_POSTGRES(this.database));
  }

  /** Change capture: writes rows into the change log only (no table row), in the caller's transaction. */
  async emit(_manager: EntityManager, _rows: readonly PreparedOutboxRow[]): Promise<void> {
    throw new ConfigurationException(OUTBOX_CDC_NEEDS_POSTGRES(this.database));
  }

  /** Change capture: the stream relays read; see {@link OutboxChangeStream}. */
  createChangeStream(_options: OutboxChangeStreamOptions): OutboxChangeStream {
    throw new ConfigurationException(OUTBOX_CDC_NEEDS_POSTGRES(this.database));
  }

  /**
   * Stores streamed events as table rows in one statement (autocommit), in
   * order, for the table claim to retry them (`pending` with a delay) or for
   * the admin to replay (`dead`). The change stream is never held up by them.
   */
  async insertParked(rows: readonly PreparedOutboxRow[], state: ParkedState): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const p = this.params();
      const values = rows.slice(start, start + INSERT_CHUNK).map((row) => {
        const bound = [row.eventId, row.eventName, row.topic, row.key, row.payload, row.contentType, row.codec, row.headers, state.status, state.attempts].map((v) => p.add(v));
        return `(${bound.join(', ')}, ${this.nowPlus(p, state.delayMs)}, ${p.add(state.error?.slice(0, ERROR_MAX_LENGTH) ?? null)}, ${this.now})`;
      });
      await this.run(
        `INSERT INTO ${this.table} (event_id, event_name, topic, event_key, payload, content_type, codec, headers, status, attempts, next_attempt_at, last_error, created_at) VALUES ${values.join(', ')}${this.ignoreDuplicateEventId}`,
        p.values,
      );
    }
  }

  /**
   * Text ending an INSERT so that a row whose event id is already stored is
   * skipped: a batch the change stream delivers again after a crash parks
   * its events once. Empty where change capture is not supported.
   */
  protected get ignoreDuplicateEventId(): string {
    return '';
  }

  /** The keys that have a pending row: events of these keys wait behind it. */
  async pendingKeys(): Promise<Set<string>> {
    const { rows } = await this.run(`SELECT DISTINCT event_key FROM ${this.table} WHERE status = '${OutboxStatus.pending}' AND event_key IS NOT NULL`, []);
    return new Set(rows.map((r) => r.event_key as string));
  }

  /**
   * The database's capability to wake relays of other processes when rows
   * commit: a source calling `onWake` for each such commit, or undefined when
   * the database has none (relays then rely on polling). The relay asks for
   * it and never needs to know which database it talks to.
   */
  createWakeupSource(_onWake: () => void, _logger: LoggerService): OutboxWakeupSource | undefined {
    return undefined;
  }

  protected toDate(value: unknown): Date {
    return value instanceof Date ? value : new Date(value as string);
  }

  protected toClaimed(rows: any[]): ClaimedOutboxRow[] {
    const claimed = rows.map((r) => ({
      id: String(r.id),
      eventId: r.event_id,
      eventName: r.event_name,
      topic: r.topic,
      key: r.event_key ?? null,
      payload: r.payload as Buffer,
      codec: r.codec,
      headers: r.headers,
      attempts: Number(r.attempts),
    }));
    // RETURNING gives no order: publish oldest first.
    return claimed.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
  }
}
