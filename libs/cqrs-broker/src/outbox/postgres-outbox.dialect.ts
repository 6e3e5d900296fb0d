import type { EntityManager } from 'typeorm';
import type { OutboxOrdering } from './outbox-options.interface.js';
import { OutboxStatus } from './outbox-status.js';
import { OutboxDialect, type ClaimedOutboxRow } from './outbox.dialect.js';
import { SqlParams } from './sql-params.js';

/**
 * PostgreSQL: the claim is one statement, `UPDATE … WHERE id IN (SELECT …
 * FOR UPDATE SKIP LOCKED) RETURNING`, so concurrent relays never wait on or
 * take each other's rows, and the lease is visible as soon as it commits.
 */
export class PostgresOutboxDialect extends OutboxDialect {
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
        ? // Lock the candidates, then lease those no older pending row of their key stays outside of.
          // OFFSET 0 keeps the key probe out of the scan: with stale statistics (a sudden backlog) the
          // planner may sort every pending row, and the probe then runs for the first rows only.
          `WITH candidates AS MATERIALIZED (
            SELECT c.id, c.event_key FROM (SELECT id, event_key FROM ${this.table} WHERE ${this.dueCondition}${this.after(p, afterId)}
              ORDER BY id OFFSET 0 FOR UPDATE SKIP LOCKED) c
            WHERE ${this.keyHeadDue} LIMIT ${p.add(limit)})
          UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}
          WHERE id IN (SELECT c.id FROM candidates c WHERE ${this.noOlderPendingOutside})
          RETURNING ${this.claimedColumns}`
        : `UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}
          WHERE id IN (SELECT id FROM ${this.table} WHERE ${this.dueCondition}${this.after(p, afterId)} ORDER BY id LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
          RETURNING ${this.claimedColumns}`;
    return this.toClaimed((await this.run(sql, p.values)).rows);
  }

  /**
   * The probes bound the `(event_key, status, id)` index with row comparisons
   * that only it can serve: with stale statistics saying "few rows are
   * pending", PostgreSQL would otherwise scan the `status` indexes instead.
   */
  protected override get keyHeadDue(): string {
    return `(c.event_key IS NULL OR (SELECT h.next_attempt_at FROM ${this.table} h
      WHERE h.event_key = c.event_key AND (h.event_key, h.status, h.id) > (c.event_key, '${OutboxStatus.pending}', 0)
      ORDER BY h.event_key, h.status, h.id LIMIT 1) <= ${this.now})`;
  }

  protected override get noOlderPendingOutside(): string {
    return `(c.event_key IS NULL OR NOT EXISTS (SELECT 1 FROM ${this.table} o
      WHERE o.event_key = c.event_key AND (o.event_key, o.status, o.id) > (c.event_key, '${OutboxStatus.pending}', 0)
        AND (o.event_key, o.status, o.id) < (c.event_key, '${OutboxStatus.pending}', c.id) AND o.id NOT IN (SELECT id FROM candidates)))`;
  }

  /** A data-modifying CTE runs once whether or not the query reads it: the rows and the NOTIFY in one round trip. */
  protected override insertAndNotify(insert: string, p: SqlParams): string {
    return `WITH inserted AS (${insert}) SELECT pg_notify(${p.add(this.channel)}, '')`;
  }

  /** NOTIFY in the caller's transaction is delivered by PostgreSQL only if and when it commits. */
  override async notifyOnCommit(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }
}
