import type { EntityManager } from 'typeorm';
import { OutboxDialect, type ClaimedOutboxRow, type QueryOutcome } from './outbox.dialect.js';
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

  protected async run(sql: string, values: unknown[]): Promise<QueryOutcome> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, values, true);
      return { rows: result.records ?? [], affected: result.affected ?? 0 };
    } finally {
      await runner.release();
    }
  }

  async claim(relayId: string, limit: number, leaseMs: number): Promise<ClaimedOutboxRow[]> {
    const p = this.params();
    const sql = `UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}
      WHERE id IN (SELECT id FROM ${this.table} WHERE ${this.dueCondition} ORDER BY id LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
      RETURNING ${this.claimedColumns}`;
    return this.toClaimed((await this.run(sql, p.values)).rows);
  }

  /** NOTIFY in the caller's transaction is delivered by PostgreSQL only if and when it commits. */
  override async notifyOnCommit(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }
}
