import type { LoggerService } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { OUTBOX_CDC_NO_REPLICATION, OUTBOX_CDC_WAL_LEVEL } from '../errors/messages.js';
import type { OutboxOrdering, OutboxRelaySource } from './outbox-options.interface.js';
import { OutboxStatus } from './outbox-status.js';
import { encodeWalMessage } from './outbox-wal-message.js';
import { LockingOutboxDialect, type OutboxLockStatement } from './locking-outbox.dialect.js';
import { OutboxLockedBatch } from './outbox-locked-batch.js';
import {
  type ClaimedOutboxRow,
  type OutboxChangeStream,
  type OutboxChangeStreamOptions,
  type OutboxWakeupSource,
  type PreparedOutboxRow,
} from './outbox.dialect.js';
import { PostgresOutboxChangeStream } from './postgres-outbox.change-stream.js';
import { PostgresOutboxListener } from './postgres-outbox.listener.js';
import { PostgresOutboxLockTransaction } from './postgres-outbox.lock-transaction.js';
import { SqlParams } from './sql-params.js';

/**
 * PostgreSQL: the claim is one statement, `UPDATE … WHERE id IN (SELECT …
 * FOR UPDATE SKIP LOCKED) RETURNING`, so concurrent relays never wait on or
 * take each other's rows, and the lease is visible as soon as it commits.
 * With `relay.claim: 'lock'` it is a `SELECT … FOR UPDATE SKIP LOCKED` in a
 * transaction held open across the publish (two round trips per batch).
 */
export class PostgresOutboxDialect extends LockingOutboxDialect {
  readonly database = 'postgres' as const;

  /** Channel of the commit wake-up for this table (NOTIFY/LISTEN). */
  get channel(): string {
    return `cqrs_outbox:${this.tableName}`;
  }

  protected quote(identifier: string): string {
    return `"${identifier}"`;
  }

  protected params(): SqlParams {
    return new SqlParams('dollar');
  }

  protected get now(): string {
    return 'now()';
  }

  protected nowPlus(p: SqlParams, ms: number): string {
    return `(now() + ${p.add(Math.round(ms))}::bigint * interval '1 millisecond')`;
  }

  protected ageMs(expression: string): string {
    return `EXTRACT(EPOCH FROM (now() - ${expression})) * 1000`;
  }

  protected override idIn(p: SqlParams, ids: readonly string[]): string {
    return `id = ANY(${p.add(ids)}::bigint[])`;
  }

  async claim(relayId: string, limit: number, leaseMs: number, ordering: OutboxOrdering, afterId?: string): Promise<ClaimedOutboxRow[]> {
    const p = this.params();
    const sql =
      ordering === 'per-key'
        ? // Lock the candidates (keys held back by a retry left out), then lease those no older pending row of
          // their key stays outside of. Both steps read only the partial indexes of pending rows.
          `WITH candidates AS MATERIALIZED (
            SELECT id, event_key FROM ${this.table} WHERE ${this.dueCondition}${this.after(p, afterId)} AND ${this.notHeldBack}
            ORDER BY id LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
          UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}${this.relayUpdateFrom}
          WHERE id IN (SELECT c.id FROM candidates c WHERE ${this.noOlderPendingOutside})
          RETURNING ${this.claimedColumns}`
        : `UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}${this.relayUpdateFrom}
          WHERE id IN (SELECT id FROM ${this.table} WHERE ${this.dueCondition}${this.after(p, afterId)} ORDER BY id LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
          RETURNING ${this.claimedColumns}`;
    return this.toClaimed((await this.run(sql, p.values)).rows);
  }

  /**
   * `relay.claim: 'lock'`: one round trip opens the transaction, makes its
   * COMMIT asynchronous (as the lease statements' own), lets the database end
   * it if it sits idle for 2 × `holdMs` + 5 s (a relay cut off from the
   * database: its rows come back without waiting for TCP to notice), and
   * locks the batch. Per-key: the same rule as the lease claim, checked
   * after the candidates are locked; what the rule drops stays locked until
   * the batch ends. Every value is a number, so the SQL is literal.
   */
  override async claimLocked(limit: number, ordering: OutboxOrdering, holdMs: number, afterId?: string): Promise<OutboxLockedBatch> {
    const n = integer(limit);
    const after = afterId === undefined ? '' : ` AND id > ${integer(afterId)}`;
    const select =
      ordering === 'per-key'
        ? `WITH candidates AS MATERIALIZED (
            SELECT ${this.claimedColumns} FROM ${this.table} WHERE ${this.dueCondition}${after} AND ${this.notHeldBack}
            ORDER BY id LIMIT ${n} FOR UPDATE SKIP LOCKED)
          SELECT ${this.claimedColumns} FROM candidates c WHERE ${this.noOlderPendingOutside} ORDER BY id`
        : `SELECT ${this.claimedColumns} FROM ${this.table} WHERE ${this.dueCondition}${after} ORDER BY id LIMIT ${n} FOR UPDATE SKIP LOCKED`;
    const { transaction, rows } = await PostgresOutboxLockTransaction.begin(
      this.dataSource.createQueryRunner(),
      `BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off; SET LOCAL idle_in_transaction_session_timeout = ${integer(Math.min(2 * holdMs + 5_000, 2 ** 31 - 1))}; ${select}`,
    );
    if (!rows.length) await transaction.rollback();
    return new OutboxLockedBatch(this, transaction, rows.length ? this.toClaimed(rows) : []);
  }

  /** Literal (the ids are numbers), so it goes with the COMMIT in one round trip; the transaction already commits asynchronously. */
  override lockedPublishedStatement(ids: readonly string[]): OutboxLockStatement {
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.published}', published_at = now(), locked_by = NULL, locked_until = NULL
      WHERE id = ANY('{${ids.map(integer).join(',')}}'::bigint[]) AND status = '${OutboxStatus.pending}'`;
    return { sql, values: [] };
  }

  /**
   * Per-key ordering: the row's key has no pending row waiting for a retry.
   * The keys held back are found once per claim, in the small partial index
   * of rows that failed a publish (only a failed publish sets a pending row's
   * next attempt in the future), rather than by one probe per candidate row.
   * A key waits while any of its pending rows waits for a retry, which is its
   * oldest pending row except after a dead row is replayed.
   */
  private get notHeldBack(): string {
    return `(event_key IS NULL OR event_key NOT IN (SELECT r.event_key FROM ${this.table} r
      WHERE r.status = '${OutboxStatus.pending}' AND r.attempts > 0 AND r.next_attempt_at > ${this.now} AND r.event_key IS NOT NULL))`;
  }

  /**
   * The relay's UPDATEs commit asynchronously (`synchronous_commit = off`
   * for their own transaction only): they no longer wait for the WAL flush,
   * nor queue the app's commits behind theirs. Safe for at-least-once: a
   * crash of the database can only lose the last lease or status changes, so
   * a row is published again, never lost; other sessions see the change at
   * commit as usual. The app's own transactions are untouched.
   */
  protected override get relayUpdateFrom(): string {
    return ` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relay_commit`;
  }

  /** A data-modifying CTE runs once whether or not the query reads it: the rows and the NOTIFY in one round trip. */
  protected override insertAndNotify(insert: string, p: SqlParams): string {
    return `WITH inserted AS (${insert}) SELECT pg_notify(${p.add(this.channel)}, '')`;
  }

  /**
   * Literal SQL (node-postgres sends a query without values with the simple
   * protocol, which takes several statements): text as `E'…'` with `\` and `'`
   * doubled, bytes as `decode('<hex>', 'hex')`, so no value can end its
   * literal whatever it holds.
   */
  override statementForCommit(rows: readonly PreparedOutboxRow[], notify: boolean, source: OutboxRelaySource): string | undefined {
    if (!rows.length) return undefined;
    if (source === 'logical-replication') return `SELECT pg_logical_emit_message(true, ${literal(this.messagePrefix)}, ${bytesLiteral(encodeWalMessage(rows))})`;
    const values = rows.map(
      (row) =>
        `(${[row.eventId, row.eventName, row.topic, row.key].map(literal).join(', ')}, ${bytesLiteral(row.payload)}, ${[row.contentType, row.codec, row.headers].map(literal).join(', ')}, '${OutboxStatus.pending}', 0, now(), now())`,
    );
    const insert = `INSERT INTO ${this.table} (event_id, event_name, topic, event_key, payload, content_type, codec, headers, status, attempts, next_attempt_at, created_at) VALUES ${values.join(', ')}`;
    return notify ? `WITH inserted AS (${insert}) SELECT pg_notify(${literal(this.channel)}, '')` : insert;
  }

  /** LISTEN on the channel {@link insertAndNotify} notifies; PostgreSQL delivers a NOTIFY only if and when its transaction commits. */
  override createWakeupSource(onWake: () => void, logger: LoggerService): OutboxWakeupSource {
    return new PostgresOutboxListener(this.dataSource, this.channel, onWake, logger);
  }

  /** Prefix of this table's logical-decoding messages; the slot sees every table's (and app's), the relay reads only these. */
  get messagePrefix(): string {
    return `cqrs_outbox:${this.tableName}`;
  }

  protected override get ignoreDuplicateEventId(): string {
    return ' ON CONFLICT (event_id) DO NOTHING';
  }

  /**
   * One transactional logical-decoding message per call, holding every row:
   * written to the WAL only, decoded for the slot when (and only if) the
   * transaction commits. No table row, index entry or NOTIFY.
   */
  override async emit(manager: EntityManager, rows: readonly PreparedOutboxRow[]): Promise<void> {
    if (!rows.length) return;
    await manager.query('SELECT pg_logical_emit_message(true, $1, $2::bytea)', [this.messagePrefix, encodeWalMessage(rows)]);
  }

  /**
   * Refuses a server without `wal_level = logical` or a role that may not
   * replicate, then creates the publication (pgoutput needs one; it lists no
   * table, the relay reads messages) and the slot when missing. Another
   * process creating them at the same time is fine.
   */
  override async prepareChangeCapture(slotName: string): Promise<void> {
    const [state] = await this.dataSource.query(
      `SELECT current_setting('wal_level') AS wal_level, current_user AS role,
        (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate,
        EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS has_publication,
        EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1) AS has_slot`,
      [slotName],
    );
    if (state.wal_level !== 'logical') throw new ConfigurationException(OUTBOX_CDC_WAL_LEVEL(state.wal_level));
    if (!state.can_replicate) throw new ConfigurationException(OUTBOX_CDC_NO_REPLICATION(state.role));
    const tolerateDuplicate = (error: { code?: string }) => {
      if (error?.code !== '42710') throw error;
    };
    if (!state.has_publication) await this.dataSource.query(`CREATE PUBLICATION "${slotName}"`).catch(tolerateDuplicate);
    if (!state.has_slot) await this.dataSource.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slotName]).catch(tolerateDuplicate);
  }

  override createChangeStream(options: OutboxChangeStreamOptions): OutboxChangeStream {
    return new PostgresOutboxChangeStream(this.dataSource, this.messagePrefix, options);
  }
}

/** A non-negative integer's digits, for literal SQL; anything else is a bug and throws. */
function integer(value: number | string): string {
  const digits = String(typeof value === 'number' ? Math.round(value) : value);
  if (!/^\d{1,19}$/.test(digits)) throw new InvalidOptionException('an outbox row id or count', 'a non-negative integer', value);
  return digits;
}

/** A PostgreSQL escape-string literal (or NULL) that holds `value` whatever it contains. */
function literal(value: string | null): string {
  return value === null ? 'NULL' : `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function bytesLiteral(bytes: Buffer): string {
  return `decode('${bytes.toString('hex')}', 'hex')`;
}
