import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import { defaultSlotName, type ResolvedOutboxRelayOptions } from './outbox-options.resolver.js';
import { readReplicationSlot } from './outbox-replication-slot.js';
import type { DeadOutboxRow, OutboxBacklog, OutboxDialect, OutboxStats } from './outbox.dialect.js';

/**
 * Operations on the outbox for people: backlog stats, dead rows, replay, purge.
 * @publicApi
 */
export class OutboxAdmin {
  /**
   * `purgeBatchSize` and `slotName`: the relay's (`OutboxModule` passes its
   * resolved relay options); without a `slotName`, the default one of the table.
   */
  constructor(
    private readonly dialect: OutboxDialect,
    private readonly options: Pick<ResolvedOutboxRelayOptions, 'purgeBatchSize'> & Partial<Pick<ResolvedOutboxRelayOptions, 'slotName'>> = OUTBOX_DEFAULTS.relay,
  ) {}

  /**
   * Pending, published and dead counts, the age of the oldest pending row and,
   * with a `logical-replication` relay, its slot's lag.
   * Counting the published rows passes over the whole table (1,000,000 rows:
   * about a second on PostgreSQL): for people, not for polling.
   */
  async stats(): Promise<OutboxStats> {
    const [stats, replication] = await Promise.all([this.dialect.stats(), this.replicationSlot()]);
    return replication ? { ...stats, replication } : stats;
  }

  /**
   * Pending and dead counts, the oldest pending row's age (and a slot's lag),
   * read from those statuses' indexes only: its cost follows the backlog, not the table. What
   * gauges and health checks poll.
   */
  async backlog(): Promise<OutboxBacklog> {
    const [backlog, replication] = await Promise.all([this.dialect.backlog(), this.replicationSlot()]);
    return replication ? { ...backlog, replication } : backlog;
  }

  /** On PostgreSQL, the outbox's replication slot when it has one (a `logical-replication` relay's backlog is WAL). */
  private replicationSlot() {
    if (this.dialect.database !== 'postgres') return Promise.resolve(undefined);
    return readReplicationSlot(this.dialect.dataSource, this.options.slotName ?? defaultSlotName(this.dialect.tableName));
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
