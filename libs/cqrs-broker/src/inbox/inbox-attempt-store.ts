import type { DataSource } from 'typeorm';
import type { AttemptStore } from '../consumers/attempt-store.js';
import { UnsupportedDatabaseException } from '../errors/unsupported-database.exception.js';
import { DEFAULT_ATTEMPTS_TABLE, type InboxAttemptsTableOptions } from './inbox-attempts.table.js';

type Dialect = 'postgres' | 'mysql' | 'sqlite';

/**
 * An `AttemptStore` in a table of the consumer's database (PostgreSQL,
 * MySQL/MariaDB, SQLite): the attempt count of (consumer name, event id) is
 * written, and committed, before each attempt runs, so it survives
 * redeliveries and restarts on Kafka and RabbitMQ alike. A message that
 * crashes the process on every attempt is dead-lettered on the delivery
 * after `retry.maxAttempts` started attempts, without running again.
 *
 * Costs: two statements per handled message (one upsert before, one delete
 * after). While the database is down the upsert fails like the handler
 * would, so the consumer waits out the outage (see `outage`).
 * Create the table with {@link createInboxAttemptsMigration} (or
 * `createInboxAttemptsEntity` and `synchronize`).
 *
 * @example
 * EventConsumerModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ name: 'meeting-notifications', attempts: new InboxAttemptStore(dataSource) }),
 * });
 * @publicApi
 */
export class InboxAttemptStore implements AttemptStore {
  private readonly dialect: Dialect;
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    options: InboxAttemptsTableOptions = {},
  ) {
    const type = dataSource.options.type;
    this.dialect = type === 'postgres' ? 'postgres' : type === 'mysql' || type === 'mariadb' ? 'mysql' : type === 'better-sqlite3' ? 'sqlite' : unsupported(type);
    const tableName = options.tableName ?? DEFAULT_ATTEMPTS_TABLE;
    this.table = tableName
      .split('.')
      .map((part) => (this.dialect === 'mysql' ? `\`${part}\`` : `"${part}"`))
      .join('.');
  }

  async begin(consumerName: string, eventId: string): Promise<number> {
    const t = this.table;
    if (this.dialect === 'mysql') {
      await this.dataSource.query(
        `INSERT INTO ${t} (consumer_name, event_id, attempts, updated_at) VALUES (?, ?, 1, CURRENT_TIMESTAMP) ` +
          'ON DUPLICATE KEY UPDATE attempts = attempts + 1, updated_at = CURRENT_TIMESTAMP',
        [consumerName, eventId],
      );
      const rows: Array<{ attempts: number | string }> = await this.dataSource.query(`SELECT attempts FROM ${t} WHERE consumer_name = ? AND event_id = ?`, [consumerName, eventId]);
      return Number(rows[0]?.attempts ?? 1);
    }
    const [a, b] = this.dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    const rows: Array<{ attempts: number | string }> = await this.dataSource.query(
      `INSERT INTO ${t} (consumer_name, event_id, attempts, updated_at) VALUES (${a}, ${b}, 1, CURRENT_TIMESTAMP) ` +
        `ON CONFLICT (consumer_name, event_id) DO UPDATE SET attempts = ${t}.attempts + 1, updated_at = CURRENT_TIMESTAMP RETURNING attempts`,
      [consumerName, eventId],
    );
    return Number(rows[0]?.attempts ?? 1);
  }

  async clear(consumerName: string, eventId: string): Promise<void> {
    const [a, b] = this.dialect === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE consumer_name = ${a} AND event_id = ${b}`, [consumerName, eventId]);
  }
}

function unsupported(type: string): never {
  throw new UnsupportedDatabaseException(type, 'InboxAttemptStore');
}
