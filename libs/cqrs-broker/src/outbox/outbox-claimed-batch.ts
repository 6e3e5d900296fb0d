import type { ClaimedOutboxRow } from './outbox.dialect.js';

/**
 * A batch a relay holds while it publishes it, and where its outcome goes:
 * a lease written on the rows (`relay.claim: 'lease'`, {@link OutboxLeasedBatch})
 * or the row locks of a transaction left open until the outcome is recorded
 * (`'lock'`, {@link OutboxLockedBatch}). `markPublished`, `markFailed` and
 * `release` each end the hold (a second one does nothing and returns 0);
 * `markDead` does not.
 */
export interface OutboxClaimedBatch {
  /** The rows held, oldest first. */
  readonly rows: readonly ClaimedOutboxRow[];
  /** Rows that cannot be read back go dead at once with the reason; the rest stay held. */
  markDead(ids: readonly string[], reason: string): Promise<number>;
  /** The broker accepted these rows: marks them published and ends the hold; returns how many were still held. */
  markPublished(ids: readonly string[]): Promise<number>;
  /** The publish failed: attempts + 1 and the next attempt after `delayMs(attempts + 1)`, or dead at `maxAttempts`; ends the hold. */
  markFailed(rows: readonly ClaimedOutboxRow[], reason: string, maxAttempts: number, delayMs: (attempt: number) => number): Promise<number>;
  /** Ends the hold, recording nothing: the rows are due again at once for any relay. */
  release(): Promise<number>;
}
