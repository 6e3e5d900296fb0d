import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { BrokerMessage } from '../brokers/broker-message.js';
import type { NotificationEvent } from '../events/notification-event.js';
import type { OutboxRepository } from './outbox-repository.js';

/** What the work of {@link OutboxTransaction.run} gets. @publicApi */
export interface OutboxTransactionContext {
  /** The transaction's entity manager: write your rows with it. */
  readonly manager: EntityManager;
  /**
   * Queues events for the outbox; they are inserted just before commit, in
   * the same transaction. Throws at once if an event cannot be serialized.
   */
  add(...events: NotificationEvent<unknown>[]): void;
}

/**
 * Runs work in a database transaction and stores the events it adds in the
 * outbox, atomically with its writes. After commit the relay of this process
 * is woken (other processes too, on PostgreSQL).
 *
 * @example
 * await this.outboxTransaction.run(async (tx) => {
 *   const room = await tx.manager.findOneByOrFail(Room, { id: command.roomId });
 *   room.closed = true;
 *   await tx.manager.save(room);
 *   tx.add(new RoomClosed({ payload: { roomId: room.id }, key: room.id }));
 * });
 * @publicApi
 */
export class OutboxTransaction {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: OutboxRepository,
  ) {}

  /**
   * On PostgreSQL the events' statement travels with the COMMIT, in one round
   * trip (`INSERT …; COMMIT` as one simple-protocol query); elsewhere it is
   * sent just before the COMMIT. If it fails, the transaction rolls back.
   */
  async run<T>(work: (tx: OutboxTransactionContext) => Promise<T>): Promise<T> {
    // As EntityManager.transaction does, with a hand on the COMMIT.
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const queued: BrokerMessage[] = [];
      const result = await work({
        manager: runner.manager,
        add: (...events) => {
          queued.push(...this.repository.serialize(events));
        },
      });
      const statement = await this.repository.statementForCommit(runner.manager, queued);
      if (statement === undefined) await this.repository.addMessages(runner.manager, queued);
      else sendWithCommit(runner, statement);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      try {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
      } catch {
        // The connection is gone; the server rolled back. The caller gets the first error.
      }
      throw error;
    } finally {
      await runner.release();
    }
  }
}

/**
 * Makes the runner's next `COMMIT` (TypeORM's commitTransaction sends exactly
 * that) go out as `<statement>; COMMIT` in one query, so TypeORM still keeps
 * its transaction state and tells subscribers about the commit. Without bound
 * values node-postgres uses the simple protocol, which takes several
 * statements; if the first fails, PostgreSQL skips the COMMIT and the query
 * rejects, so the caller rolls back.
 */
function sendWithCommit(runner: QueryRunner, statement: string): void {
  const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) =>
    sql === 'COMMIT' ? query(`${statement}; COMMIT`, undefined, structured) : query(sql, parameters, structured)) as QueryRunner['query'];
}
