import { AsyncLocalStorage } from 'node:async_hooks';
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
  /** The context of the `run` whose work is executing, for code that is called from it (see {@link current}). */
  private readonly running = new AsyncLocalStorage<{ readonly context: OutboxTransactionContext; open: boolean }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: OutboxRepository,
  ) {}

  /**
   * The transaction of the {@link run} this call is part of (the innermost,
   * when runs nest), or `undefined` outside any: lets code that does not get
   * the context passed in (an event publisher, a helper) add events to the
   * caller's transaction. Only runs of this `OutboxTransaction` count.
   */
  current(): OutboxTransactionContext | undefined {
    const scope = this.running.getStore();
    return scope?.open ? scope.context : undefined;
  }

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
      const context: OutboxTransactionContext = {
        manager: runner.manager,
        add: (...events) => {
          queued.push(...this.repository.serialize(events));
        },
      };
      // Closed once the work is done: a callback it left running must not add events after the insert.
      const scope = { context, open: true };
      const result = await this.running.run(scope, () => work(context)).finally(() => (scope.open = false));
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
