import type { DeadOutboxRow, OutboxDialect, OutboxStats } from './outbox.dialect.js';

/** Rows deleted per statement by {@link OutboxAdmin.purgePublished}. */
const PURGE_BATCH = 1_000;

/**
 * Operations on the outbox for people: backlog stats, dead rows, replay, purge.
 * @publicApi
 */
export class OutboxAdmin {
  constructor(private readonly dialect: OutboxDialect) {}

  /** Pending, published and dead counts, and the age of the oldest pending row. */
  stats(): Promise<OutboxStats> {
    return this.dialect.stats();
  }

  /** Dead rows, oldest first; page with `afterId` (the last `id` of the previous page). */
  listDead(limit = 100, afterId?: string): Promise<DeadOutboxRow[]> {
    return this.dialect.listDead(limit, afterId);
  }

  /** Makes one dead event pending again with a fresh attempt budget; false when no dead row has that event id. */
  async replay(eventId: string): Promise<boolean> {
    return (await this.dialect.replayDead([eventId])) > 0;
  }

  /** Makes every dead row pending again; returns how many. */
  replayAllDead(): Promise<number> {
    return this.dialect.replayDead();
  }

  /** Deletes published rows older than `olderThanMs` (default: all), in small batches; returns how many. */
  async purgePublished(olderThanMs = 0): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.dialect.purgePublishedBatch(olderThanMs, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}
