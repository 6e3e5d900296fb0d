import type { QueryRunner } from 'typeorm';
import type { OutboxLockStatement, OutboxLockTransaction } from './locking-outbox.dialect.js';
import type { QueryOutcome } from './outbox.dialect.js';

/** A node-postgres result (an array of them for a query of several statements). */
interface PgResult {
  readonly rows: any[];
  readonly rowCount: number | null;
}

/** The node-postgres client a TypeORM query runner holds. */
interface PgClient {
  query(sql: string, values?: unknown[]): Promise<PgResult | PgResult[]>;
}

/**
 * The transaction of a PostgreSQL `lock` batch, sent on the query runner's
 * node-postgres client so that literal statements travel together: BEGIN,
 * its settings and the claim in one round trip, the outcome and COMMIT in
 * another (node-postgres sends a query without values with the simple
 * protocol, which takes several statements).
 */
export class PostgresOutboxLockTransaction implements OutboxLockTransaction {
  private released = false;

  private constructor(
    private readonly runner: QueryRunner,
    private readonly client: PgClient,
  ) {}

  /**
   * Sends `statements` (literal SQL, the first one a BEGIN, the last one the
   * claim) on a pooled connection of its own; returns the open transaction
   * and the claim's rows. On failure nothing stays open.
   */
  static async begin(runner: QueryRunner, statements: string): Promise<{ transaction: PostgresOutboxLockTransaction; rows: any[] }> {
    const transaction = new PostgresOutboxLockTransaction(runner, (await runner.connect()) as PgClient);
    try {
      const results = await transaction.client.query(statements);
      const last = Array.isArray(results) ? results[results.length - 1] : results;
      return { transaction, rows: last.rows };
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
  }

  async run(statement: OutboxLockStatement): Promise<QueryOutcome> {
    const result = await this.client.query(statement.sql, [...statement.values]);
    const single = Array.isArray(result) ? result[0] : result;
    return { rows: single.rows ?? [], affected: single.rowCount ?? 0 };
  }

  async commit(last?: OutboxLockStatement): Promise<number> {
    try {
      if (!last) {
        await this.client.query('COMMIT');
        return 0;
      }
      if (!last.values.length) {
        const results = await this.client.query(`${last.sql}; COMMIT`);
        return (Array.isArray(results) ? results[0] : results).rowCount ?? 0;
      }
      const changed = (await this.run(last)).affected;
      await this.client.query('COMMIT');
      return changed;
    } catch (error) {
      await this.rollback();
      throw error;
    } finally {
      await this.release();
    }
  }

  async rollback(): Promise<void> {
    if (this.released) return;
    try {
      await this.client.query('ROLLBACK');
    } catch (error) {
      // The connection is gone (the database already rolled back): keep it out of the pool.
      await this.release(error as Error);
      return;
    }
    await this.release();
  }

  private async release(error?: Error): Promise<void> {
    if (this.released) return;
    this.released = true;
    const runner = this.runner as QueryRunner & { releasePostgresConnection?(error?: Error): Promise<void> };
    await (error && runner.releasePostgresConnection ? runner.releasePostgresConnection(error) : runner.release());
  }
}
