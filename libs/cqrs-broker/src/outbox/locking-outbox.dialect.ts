import type { OutboxOrdering } from './outbox-options.interface.js';
import { OutboxStatus } from './outbox-status.js';
import type { OutboxLockedBatch } from './outbox-locked-batch.js';
import { OutboxDialect, type ClaimedOutboxRow, type QueryOutcome } from './outbox.dialect.js';

/** Longest `last_error` stored (as the lease statements do). */
const ERROR_MAX_LENGTH = 4_000;

/** One statement with its bound values (none: literal SQL the dialect may send with its COMMIT). */
export interface OutboxLockStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** The open transaction of a {@link OutboxLockedBatch}, on a pooled connection of its own. */
export interface OutboxLockTransaction {
  /** Runs one statement inside the transaction. */
  run(statement: OutboxLockStatement): Promise<QueryOutcome>;
  /**
   * Runs `last` (if given) and commits, in one round trip where the driver
   * can, then gives the connection back; resolves to the rows `last` changed.
   * On any failure the connection is given back too, and the database rolls
   * the transaction back.
   */
  commit(last?: OutboxLockStatement): Promise<number>;
  /** Rolls back (the rows' locks go) and gives the connection back; never rejects. */
  rollback(): Promise<void>;
}

/**
 * Dialects of databases with row locks (PostgreSQL, MariaDB/MySQL), which can
 * also claim with `relay.claim: 'lock'`: a batch is selected `FOR UPDATE SKIP
 * LOCKED` in a transaction that stays open while the batch is published, and
 * its outcome is one UPDATE before COMMIT. The outcome statements are those
 * of the lease claim without the `locked_by` guard: the row locks are the guard.
 */
export abstract class LockingOutboxDialect extends OutboxDialect {
  /**
   * Opens a READ COMMITTED transaction on a connection of its own and locks
   * up to `limit` due rows, oldest first, skipping rows other transactions
   * lock. With `per-key` ordering a row with a key is kept only if no older
   * pending row with its key is outside the batch (held by another relay,
   * waiting for a retry, or before `afterId`); rows the rule drops stay
   * locked until the batch ends (they are the next claim's). An empty batch
   * has already rolled back. `holdMs` bounds how long the database lets the
   * transaction sit idle, where it can.
   */
  abstract claimLocked(limit: number, ordering: OutboxOrdering, holdMs: number, afterId?: string): Promise<OutboxLockedBatch>;

  /** @internal The rows the broker accepted, published (rows a relay died holding are pending again, never published here twice). */
  lockedPublishedStatement(ids: readonly string[]): OutboxLockStatement {
    const p = this.params();
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.published}', published_at = ${this.now}, locked_by = NULL, locked_until = NULL${this.relayUpdateFrom}
      WHERE ${this.idIn(p, ids)} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }

  /** @internal A failed publish: what `markFailed` records, for locked rows. */
  lockedFailedStatement(
    rows: readonly Pick<ClaimedOutboxRow, 'id' | 'attempts'>[],
    error: string,
    maxAttempts: number,
    delayMs: (attempt: number) => number,
  ): OutboxLockStatement {
    const p = this.params();
    // As in markFailed: status and next_attempt_at before attempts (MySQL evaluates SET left to right),
    // and values bound in the order their placeholders appear.
    const attemptValues = [...new Set(rows.map((r) => r.attempts))];
    const status = `CASE WHEN attempts + 1 >= ${p.add(maxAttempts)} THEN '${OutboxStatus.dead}' ELSE '${OutboxStatus.pending}' END`;
    const whens = attemptValues.map((a) => `WHEN ${p.add(a)} THEN ${this.nowPlus(p, delayMs(a + 1))}`).join(' ');
    const sql = `UPDATE ${this.table} SET
        status = ${status},
        next_attempt_at = CASE attempts ${whens} ELSE ${this.now} END,
        last_error = ${p.add(error.slice(0, ERROR_MAX_LENGTH))},
        locked_by = NULL, locked_until = NULL,
        attempts = attempts + 1${this.relayUpdateFrom}
      WHERE ${this.idIn(p, rows.map((r) => r.id))} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }

  /** @internal Unreadable locked rows, dead at once. */
  lockedDeadStatement(ids: readonly string[], error: string): OutboxLockStatement {
    const p = this.params();
    const sql = `UPDATE ${this.table} SET status = '${OutboxStatus.dead}', last_error = ${p.add(error.slice(0, ERROR_MAX_LENGTH))}, locked_by = NULL, locked_until = NULL, attempts = attempts + 1${this.relayUpdateFrom}
      WHERE ${this.idIn(p, ids)} AND status = '${OutboxStatus.pending}'`;
    return { sql, values: p.values };
  }
}
