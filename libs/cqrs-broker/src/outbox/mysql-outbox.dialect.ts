import { Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { parseTableName } from './outbox-database.js';
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
  /** `FORCE INDEX (…)` for the lock claim, once read (see {@link lockClaimIndex}). */
  private claimIndexHint?: Promise<string>;
  /** Whether the server is MariaDB (it has `idle_transaction_timeout`; MySQL does not), asked once. */
  private mariaDb?: Promise<boolean>;

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
   * UPDATE, left open while the batch is published. On MariaDB the session's
   * `idle_transaction_timeout` is set to 2 × `holdMs` + 5 s for the batch
   * (and back to the server's default before the connection returns to the
   * pool), so a relay that froze with the connection open (SIGSTOP, a paused
   * VM) loses its rows to the server as on PostgreSQL. MySQL has no such
   * setting: there the server keeps them until it drops the connection
   * (`wait_timeout`).
   */
  override async claimLocked(limit: number, ordering: OutboxOrdering, holdMs: number, afterId?: string): Promise<OutboxLockedBatch> {
    const runner = this.dataSource.createQueryRunner();
    const idleTimeout = (await this.isMariaDb()) ? Math.ceil((2 * holdMs + 5_000) / 1000) : undefined;
    const transaction = new MysqlOutboxLockTransaction(runner, idleTimeout !== undefined);
    try {
      const hint = await this.lockClaimIndex();
      if (idleTimeout !== undefined) await runner.query(`SET SESSION idle_transaction_timeout = ${Math.min(idleTimeout, 31_536_000)}`);
      await runner.startTransaction('READ COMMITTED');
      const rows = await this.lockDue(runner, limit, ordering, afterId, hint).catch((error: { errno?: number }) => {
        // ER_KEY_DOES_NOT_EXITS: the index was dropped or renamed since it was looked up; look again next claim.
        if (error?.errno === 1176) this.claimIndexHint = undefined;
        throw error;
      });
      if (!rows.length) await transaction.rollback();
      return new OutboxLockedBatch(this, transaction, this.toClaimed(rows));
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
  }

  /**
   * The lock claim reads through the `(status, id)` index, always. InnoDB
   * locks the index records a locking read goes through; when a claim that
   * went through the primary key (the optimizer's pick for `id > cursor
   * ORDER BY id`) holds a row, a claim scanning `(status, id)` locks that
   * row's index record before it skips the row, and keeps it: the holder's
   * outcome UPDATE (which changes `status` in that index) then waits for the
   * other batch to end, which may be waiting for it (50 s of
   * innodb_lock_wait_timeout). Claims that all take the same path skip each
   * other's rows at the first record. The index is looked up once by its
   * columns (its name depends on how the table was made); without one, no hint.
   */
  private isMariaDb(): Promise<boolean> {
    this.mariaDb ??= this.run('SELECT VERSION() AS version', []).then(
      ({ rows }) => /mariadb/i.test(String(rows[0]?.version ?? '')),
      (error: unknown) => {
        this.mariaDb = undefined;
        throw error;
      },
    );
    return this.mariaDb;
  }

  private lockClaimIndex(): Promise<string> {
    this.claimIndexHint ??= (async () => {
      const { schema, table } = parseTableName(this.tableName);
      const { rows } = await this.run(
        `SELECT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?
         GROUP BY INDEX_NAME HAVING GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) = 'status,id'`,
        [schema ?? null, table],
      );
      if (!rows.length) {
        // A table made without the library's migration: the claim still works, but may wait on other batches' locks.
        new Logger('OutboxRelay').warn(
          `Outbox table ${this.tableName} has no (status, id) index: the lock claim cannot keep to it and may wait up to innodb_lock_wait_timeout on other batches; create it (createOutboxMigrations does)`,
        );
        return '';
      }
      return ` FORCE INDEX (${this.quote(String(rows[0].name))})`;
    })().catch((error: unknown) => {
      this.claimIndexHint = undefined;
      throw error;
    });
    return this.claimIndexHint;
  }

  /** Locks up to `limit` due rows `FOR UPDATE SKIP LOCKED`, in the runner's transaction; with `per-key`, drops those the rule holds back. */
  private async lockDue(runner: QueryRunner, limit: number, ordering: OutboxOrdering, afterId?: string, indexHint = ''): Promise<any[]> {
    const perKey = ordering === 'per-key';
    const select = this.params();
    const after = this.after(select, afterId);
    const rows: any[] = await runner.query(
      `SELECT ${this.claimedColumns} FROM ${this.table} c${indexHint} WHERE ${this.dueCondition}${perKey ? ` AND ${this.keyHeadDue}` : ''}${after} ORDER BY id LIMIT ${select.add(limit)} FOR UPDATE SKIP LOCKED`,
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
