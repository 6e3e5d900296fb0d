import type { OutboxOrdering } from './outbox-options.interface.js';
import type { OutboxLockedBatch } from './outbox-locked-batch.js';
import { OutboxDialect, type ClaimedOutboxRow, type OutboxSqlStatement, type QueryOutcome } from './outbox.dialect.js';

/** One statement with its bound values (none: literal SQL the dialect may send with its COMMIT). */
export type OutboxLockStatement = OutboxSqlStatement;

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
    return this.publishedStatement(ids);
  }

  /** @internal A failed publish: what `markFailed` records, for locked rows. */
  lockedFailedStatement(
    rows: readonly Pick<ClaimedOutboxRow, 'id' | 'attempts'>[],
    error: string,
    maxAttempts: number,
    delayMs: (attempt: number) => number,
  ): OutboxLockStatement {
    return this.failedStatement(rows, error, maxAttempts, delayMs);
  }

  /** @internal Unreadable locked rows, dead at once. */
  lockedDeadStatement(ids: readonly string[], error: string): OutboxLockStatement {
    return this.deadStatement(ids, error);
  }
}
