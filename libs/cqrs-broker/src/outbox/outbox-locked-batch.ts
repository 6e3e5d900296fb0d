import type { OutboxClaimedBatch } from './outbox-claimed-batch.js';
import type { ClaimedOutboxRow } from './outbox.dialect.js';
import type { LockingOutboxDialect, OutboxLockTransaction } from './locking-outbox.dialect.js';

/**
 * `relay.claim: 'lock'`: rows locked `FOR UPDATE SKIP LOCKED` by a
 * transaction on a connection of the batch's own, open until the outcome is
 * recorded: one UPDATE and COMMIT (or ROLLBACK to give the rows back). The
 * rows were never written by the claim, so each event costs one row version.
 * If the connection goes (the relay died, or the database ended an idle
 * transaction), the database rolls back and the rows are due again at once;
 * recording an outcome then fails.
 */
export class OutboxLockedBatch implements OutboxClaimedBatch {
  /** The transaction's end, once asked for: only the first outcome is recorded. */
  private ending?: Promise<number>;

  constructor(
    private readonly dialect: LockingOutboxDialect,
    private readonly transaction: OutboxLockTransaction,
    readonly rows: readonly ClaimedOutboxRow[],
  ) {}

  async markDead(ids: readonly string[], reason: string): Promise<number> {
    if (this.ending || !ids.length) return 0;
    return (await this.transaction.run(this.dialect.lockedDeadStatement(ids, reason))).affected;
  }

  markPublished(ids: readonly string[]): Promise<number> {
    return this.end(() => this.transaction.commit(ids.length ? this.dialect.lockedPublishedStatement(ids) : undefined));
  }

  markFailed(rows: readonly ClaimedOutboxRow[], reason: string, maxAttempts: number, delayMs: (attempt: number) => number): Promise<number> {
    return this.end(() => this.transaction.commit(this.dialect.lockedFailedStatement(rows, reason, maxAttempts, delayMs)));
  }

  release(): Promise<number> {
    return this.end(async () => {
      await this.transaction.rollback();
      return this.rows.length;
    });
  }

  private end(outcome: () => Promise<number>): Promise<number> {
    if (this.ending) return this.ending.then(() => 0, () => 0);
    this.ending = outcome();
    return this.ending;
  }
}
