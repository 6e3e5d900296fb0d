import { sleep } from '../retry/sleep.js';
import type { OutboxOrdering } from './outbox-options.interface.js';
import { OutboxDialect, type ClaimedOutboxRow, type QueryOutcome } from './outbox.dialect.js';
import { SqlParams } from './sql-params.js';

/** The part of a better-sqlite3 handle the dialect uses. */
interface SqliteHandle {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly reader: boolean; all(...values: unknown[]): any[]; run(...values: unknown[]): { changes: number } };
}

const TIME_FORMAT = `'%Y-%m-%d %H:%M:%f'`;
/** How often to look again while the app holds a transaction open on the shared connection. */
const TRANSACTION_RECHECK_MS = 2;

/**
 * SQLite through better-sqlite3. TypeORM gives every caller the same
 * connection, so a relay statement sent through TypeORM while the app is
 * inside a transaction would join that transaction (and could see, publish
 * or roll back with rows that are not committed). The relay therefore runs
 * its statements on the raw handle, synchronously, only when no transaction
 * is open. Each claim is one `UPDATE … RETURNING` statement: atomic under
 * SQLite's single writer, so even relays on separate connections to one file
 * cannot claim a row twice. Times are stored as UTC text that sorts as time.
 */
export class SqliteOutboxDialect extends OutboxDialect {
  readonly database = 'sqlite' as const;
  private readonly statements = new Map<string, ReturnType<SqliteHandle['prepare']>>();

  protected quote(identifier: string): string {
    return `"${identifier}"`;
  }

  protected params(): SqlParams {
    return new SqlParams('question');
  }

  protected get now(): string {
    return `strftime(${TIME_FORMAT}, 'now')`;
  }

  protected nowPlus(p: SqlParams, ms: number): string {
    return `strftime(${TIME_FORMAT}, 'now', ${p.add(`${Math.round(ms) / 1000} seconds`)})`;
  }

  protected ageMs(expression: string): string {
    return `(julianday('now') - julianday(${expression})) * 86400000`;
  }

  /** One bound JSON array whatever the batch size, so statements are prepared once and cached. */
  protected override idIn(p: SqlParams, ids: readonly string[]): string {
    return `id IN (SELECT value FROM json_each(${p.add(JSON.stringify(ids.map(Number)))}))`;
  }

  protected override toDate(value: unknown): Date {
    return typeof value === 'string' ? new Date(`${value.replace(' ', 'T')}Z`) : super.toDate(value);
  }

  private get handle(): SqliteHandle {
    return (this.dataSource.driver as unknown as { databaseConnection: SqliteHandle }).databaseConnection;
  }

  protected override async run(sql: string, values: unknown[]): Promise<QueryOutcome> {
    while (this.handle.inTransaction) await sleep(TRANSACTION_RECHECK_MS);
    // From here to the end the code is synchronous: no transaction can start in between.
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle.prepare(sql);
      if (this.statements.size < 256) this.statements.set(sql, statement);
    }
    if (statement.reader) {
      const rows = statement.all(...values);
      return { rows, affected: rows.length };
    }
    return { rows: [], affected: statement.run(...values).changes };
  }

  async claim(relayId: string, limit: number, leaseMs: number, ordering: OutboxOrdering, afterId?: string): Promise<ClaimedOutboxRow[]> {
    const p = this.params();
    // Positional placeholders: bind in the order they appear in the text.
    const sql =
      ordering === 'per-key'
        ? `WITH candidates AS MATERIALIZED (
            SELECT c.id, c.event_key FROM ${this.table} c WHERE ${this.dueCondition} AND ${this.keyHeadDue}${this.after(p, afterId)} ORDER BY c.id LIMIT ${p.add(limit)})
          UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}
          WHERE id IN (SELECT c.id FROM candidates c WHERE ${this.noOlderPendingOutside})
          RETURNING ${this.claimedColumns}`
        : `UPDATE ${this.table} SET locked_by = ${p.add(relayId)}, locked_until = ${this.nowPlus(p, leaseMs)}
          WHERE id IN (SELECT id FROM ${this.table} WHERE ${this.dueCondition}${this.after(p, afterId)} ORDER BY id LIMIT ${p.add(limit)})
          RETURNING ${this.claimedColumns}`;
    return this.toClaimed((await this.run(sql, p.values)).rows);
  }
}
