import type { QueryRunner } from 'typeorm';
import type { OutboxLockStatement, OutboxLockTransaction } from './locking-outbox.dialect.js';
import type { QueryOutcome } from './outbox.dialect.js';

/**
 * The transaction of a MariaDB/MySQL `lock` batch: a TypeORM query runner in
 * a READ COMMITTED transaction (no gap locks, so it never blocks the app's
 * inserts). The driver takes one statement per round trip.
 */
export class MysqlOutboxLockTransaction implements OutboxLockTransaction {
  private released = false;

  constructor(
    private readonly runner: QueryRunner,
    /** The claim set the session's `idle_transaction_timeout` (MariaDB): put back to the default before the connection returns to the pool. */
    private readonly resetIdleTimeout = false,
  ) {}

  async run(statement: OutboxLockStatement): Promise<QueryOutcome> {
    const result = await this.runner.query(statement.sql, [...statement.values], true);
    return { rows: result.records ?? [], affected: result.affected ?? 0 };
  }

  async commit(last?: OutboxLockStatement): Promise<number> {
    try {
      const changed = last ? (await this.run(last)).affected : 0;
      await this.runner.commitTransaction();
      return changed;
    } catch (error) {
      await this.rollback();
      throw error;
    } finally {
      await this.release();
    }
  }

  async rollback(): Promise<void> {
    try {
      if (!this.released && this.runner.isTransactionActive) await this.runner.rollbackTransaction();
    } catch {
      // The connection is gone: the server rolled back when it went.
    } finally {
      await this.release();
    }
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.resetIdleTimeout) {
      // A dead connection fails this and is dropped by the pool; a live one goes back as the app expects it.
      await this.runner.query('SET SESSION idle_transaction_timeout = DEFAULT').catch(() => undefined);
    }
    await this.runner.release();
  }
}
