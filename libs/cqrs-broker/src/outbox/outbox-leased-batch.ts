import type { OutboxClaimedBatch } from './outbox-claimed-batch.js';
import type { ClaimedOutboxRow, OutboxDialect } from './outbox.dialect.js';

/**
 * `relay.claim: 'lease'`: rows whose `locked_by` / `locked_until` the claim
 * committed. Each outcome is one statement of its own, guarded by
 * `locked_by`, so a relay whose lease ran out changes nothing.
 */
export class OutboxLeasedBatch implements OutboxClaimedBatch {
  private ended = false;

  constructor(
    private readonly dialect: OutboxDialect,
    private readonly relayId: string,
    readonly rows: readonly ClaimedOutboxRow[],
  ) {}

  markDead(ids: readonly string[], reason: string): Promise<number> {
    return this.dialect.markDead(ids, this.relayId, reason);
  }

  markPublished(ids: readonly string[]): Promise<number> {
    return this.end(() => this.dialect.markPublished(ids, this.relayId));
  }

  markFailed(rows: readonly ClaimedOutboxRow[], reason: string, maxAttempts: number, delayMs: (attempt: number) => number): Promise<number> {
    return this.end(() => this.dialect.markFailed(rows, this.relayId, reason, maxAttempts, delayMs));
  }

  release(): Promise<number> {
    return this.end(() => this.dialect.release(this.rows.map((r) => r.id), this.relayId));
  }

  private async end(outcome: () => Promise<number>): Promise<number> {
    if (this.ended) return 0;
    this.ended = true;
    return outcome();
  }
}
