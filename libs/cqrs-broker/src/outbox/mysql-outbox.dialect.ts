import type { QueryRunner } from 'typeorm';
import type { OutboxOrdering } from './outbox-options.interface.js';
import { OutboxStatus } from './outbox-status.js';
import { LockingOutboxDialect } from './locking-outbox.dialect.js';
import { OutboxLockedBatch } from './outbox-locked-batch.js';
import { type ClaimedOutboxRow } from './outbox.dialect.js';
import { MysqlOutboxLockTransaction } from './mysql-outbox.lock-transaction.js';
import { SqlParams } from './sql-params.js';

/**
 * MySQL 8 / MariaDB 10.6+: the claim is a short READ COMMITTED transaction,
 * `SELECT … FOR UPDATE SKIP LOCKED` then an `UPDATE` of the lease (MariaDB
 * has no `UPDATE … RETURNING`). READ COMMITTED takes no gap locks, so a
 * claim never blocks the app's inserts. With `relay.claim: 'lock'` the same
 * transaction, without the UPDATE, stays open across the publish.
 */
export class MysqlOutboxDialect extends LockingOutboxDialect {
  readonly database = 'mysql' as const;

  protected quote(identifier: string): string {
    return `\`${identifier}\``;
  }

  protected params(): SqlParams {
    return new SqlParams('question');
  }

  protected get now(): string {
    return 'NOW(3)';
  }

  protected nowPlus(p: SqlParams, ms: number): string {
    return `(NOW(3) + INTERVAL ${p.add(Math.round(ms) * 1000)} MICROSECOND)`;
  }

  protected ageMs(expression: string): string {
    return `TIMESTAMPDIFF(MICROSECOND, ${expression}, NOW(3)) / 1000`;
  }

  async claim(relayId: string, limit: number, leaseMs: number, ordering: OutboxOrdering, afterId?: string): Promise<ClaimedOutboxRow[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction('READ COMMITTED');
      try {
        const rows = await this.lockDue(runner, limit, ordering, afterId);
        if (rows.length) {
          const p = this.params();
          const lease = `locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}`;
          await runner.query(`UPDATE ${this.table} SET ${lease} WHERE ${this.idIn(p, rows.map((r) => String(r.id)))}`, p.values);
        }
        await runner.commitTransaction();
        return this.toClaimed(rows);
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * `relay.claim: 'lock'`: the lease claim's transaction without the lease
   * UPDATE, left open while the batch is published. (MariaDB has no
   * transaction-scoped idle timeout: a relay cut off from the server keeps
   * its rows until the server drops the connection, see `wait_timeout`.)
   */
  override async claimLocked(limit: number, ordering: OutboxOrdering, _holdMs: number, afterId?: string): Promise<OutboxLockedBatch> {
    const runner = this.dataSource.createQueryRunner();
    const transaction = new MysqlOutboxLockTransaction(runner);
    try {
      await runner.startTransaction('READ COMMITTED');
      const rows = await this.lockDue(runner, limit, ordering, afterId);
      if (!rows.length) await transaction.rollback();
      return new OutboxLockedBatch(this, transaction, this.toClaimed(rows));
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
  }

  /** Locks up to `limit` due rows `FOR UPDATE SKIP LOCKED`, in the runner's transaction; with `per-key`, drops those the rule holds back. */
  private async lockDue(runner: QueryRunner, limit: number, ordering: OutboxOrdering, afterId?: string): Promise<any[]> {
    const perKey = ordering === 'per-key';
    const select = this.params();
    const after = this.after(select, afterId);
    const rows: any[] = await runner.query(
      `SELECT ${this.claimedColumns} FROM ${this.table} c WHERE ${this.dueCondition}${perKey ? ` AND ${this.keyHeadDue}` : ''}${after} ORDER BY id LIMIT ${select.add(limit)} FOR UPDATE SKIP LOCKED`,
      select.values,
    );
    return perKey && rows.some((r) => r.event_key !== null) ? this.withoutHeldBack(runner, rows) : rows;
  }

  /** Drops the locked candidates an older pending row of their key stays outside of (their locks go at commit). */
  private async withoutHeldBack(runner: QueryRunner, rows: any[]): Promise<any[]> {
    const p = this.params();
    const heldBack: any[] = await runner.query(
      `WITH candidates AS (SELECT id, event_key FROM ${this.table} WHERE ${this.idIn(p, rows.map((r) => String(r.id)))})
      SELECT c.id FROM candidates c WHERE NOT ${this.noOlderPendingOutside}`,
      p.values,
    );
    if (!heldBack.length) return rows;
    const skip = new Set(heldBack.map((r) => String(r.id)));
    return rows.filter((r) => !skip.has(String(r.id)));
  }

  /** MySQL allows neither LIMIT in an IN subquery nor reading the table a DELETE writes: DELETE … LIMIT instead. */
  override async purgePublishedBatch(olderThanMs: number, limit: number): Promise<number> {
    const p = this.params();
    const sql = `DELETE FROM ${this.table} WHERE status = '${OutboxStatus.published}' AND published_at <= ${this.nowPlus(p, -olderThanMs)} LIMIT ${p.add(limit)}`;
    return (await this.run(sql, p.values)).affected;
  }
}
