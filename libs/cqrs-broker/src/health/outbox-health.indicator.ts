import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { OUTBOX_HEALTH_NEEDS_OUTBOX } from '../errors/messages.js';
import { OutboxAdmin } from '../outbox/outbox-admin.js';
import { down, up, type CqrsHealthResult } from './health-result.js';

/** Thresholds of {@link OutboxHealthIndicator.check}. @publicApi */
export interface OutboxHealthThresholds {
  /**
   * Down when the oldest pending event has waited longer than this (the relay is stuck or far behind).
   * @default 300_000 (5 minutes)
   */
  maxOldestPendingAgeMs?: number;
  /**
   * Down when more dead rows than this are in the table (events the relay gave up on; `OutboxAdmin` replays them).
   * @default 0
   */
  maxDead?: number;
  /**
   * With a `logical-replication` relay (its backlog is WAL, not rows): down
   * when its replication slot is more than this many bytes of WAL behind
   * (no relay streams it, or it cannot keep up; the server keeps that WAL).
   * @default 1_073_741_824 (1 GiB)
   */
  maxReplicationLagBytes?: number;
}

/** Defaults of {@link OutboxHealthThresholds}. */
export const OUTBOX_HEALTH_DEFAULTS: Required<OutboxHealthThresholds> = { maxOldestPendingAgeMs: 300_000, maxDead: 0, maxReplicationLagBytes: 1_073_741_824 };

/**
 * Readiness of the outbox: the oldest pending event's age and the dead rows
 * against thresholds, from one `OutboxAdmin.backlog()` query (through the
 * pending and dead rows' indexes, so cheap on a large table). Details: `pending`,
 * `dead`, `oldestPendingAgeMs` and, when down, `reason`
 * (`backlog-too-old`, `too-many-dead`, `replication-lag-too-high`,
 * `stats-unavailable`); with a replication slot also `replicationLagBytes`
 * and `slotActive`. A readiness (or
 * alerting) check, not liveness: restarting the process fixes neither.
 * Needs `OutboxModule` (its `OutboxAdmin`).
 * @publicApi
 */
@Injectable()
export class OutboxHealthIndicator {
  private readonly logger = new Logger(OutboxHealthIndicator.name);

  constructor(@Optional() @Inject(OutboxAdmin) private readonly admin?: OutboxAdmin) {}

  async check<Key extends string = 'outbox'>(key: Key = 'outbox' as Key, thresholds: OutboxHealthThresholds = {}): Promise<CqrsHealthResult<Key>> {
    if (!this.admin) throw new ConfigurationException(OUTBOX_HEALTH_NEEDS_OUTBOX);
    const { maxOldestPendingAgeMs, maxDead, maxReplicationLagBytes } = { ...OUTBOX_HEALTH_DEFAULTS, ...thresholds };
    let stats;
    try {
      stats = await this.admin.backlog();
    } catch (error) {
      this.logger.warn(`outbox stats failed: ${(error as Error)?.message ?? error}`);
      return down(key, { reason: 'stats-unavailable' });
    }
    const { replication } = stats;
    const details = {
      pending: stats.pending,
      dead: stats.dead,
      oldestPendingAgeMs: stats.oldestPendingAgeMs,
      ...(replication ? { replicationLagBytes: replication.lagBytes, slotActive: replication.active } : {}),
    };
    if (stats.dead > maxDead) return down(key, { ...details, reason: 'too-many-dead', maxDead });
    if (stats.oldestPendingAgeMs > maxOldestPendingAgeMs) return down(key, { ...details, reason: 'backlog-too-old', maxOldestPendingAgeMs });
    if (replication && replication.lagBytes > maxReplicationLagBytes) return down(key, { ...details, reason: 'replication-lag-too-high', maxReplicationLagBytes });
    return up(key, details);
  }
}
