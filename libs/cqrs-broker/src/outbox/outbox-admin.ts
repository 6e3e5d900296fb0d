import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import type { ResolvedOutboxRelayOptions } from './outbox-options.resolver.js';
import type { DeadOutboxRow, OutboxBacklog, OutboxDialect, OutboxStats } from './outbox.dialect.js';

/**
 * Operations on the outbox for people: backlog stats, dead rows, replay, purge.
 * @publicApi
 */
export class OutboxAdmin {
  /** `purgeBatchSize`: the relay's (`OutboxModule` passes its resolved relay options). */
  constructor(
    private readonly dialect: OutboxDialect,
    private readonly options: Pick<ResolvedOutboxRelayOptions, 'purgeBatchSize'> = OUTBOX_DEFAULTS.relay,
  ) {}

  /**
   * Pending, published and dead counts, and the age of the oldest pending row.
   * Counting the published rows passes over the whole table (1,000,000 rows:
   * about a second on PostgreSQL): for people, not for polling.
   */
  stats(): Promise<OutboxStats> {
    return this.dialect.stats();
  }

  /**
   * Pending and dead counts and the oldest pending row's age, read from those
   * statuses' indexes only: its cost follows the backlog, not the table. What
   * gauges and health checks poll.
   */
  backlog(): Promise<OutboxBacklog> {
    return this.dialect.backlog();
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

  /** Deletes published rows older than `olderThanMs` (default: all), `purgeBatchSize` per statement; returns how many. */
  purgePublished(olderThanMs = 0): Promise<number> {
    return this.dialect.purgePublished(olderThanMs, this.options.purgeBatchSize);
  }
}
