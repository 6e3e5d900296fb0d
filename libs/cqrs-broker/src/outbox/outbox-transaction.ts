import type { DataSource, EntityManager } from 'typeorm';
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

  run<T>(work: (tx: OutboxTransactionContext) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const queued: BrokerMessage[] = [];
      const tx: OutboxTransactionContext = {
        manager,
        add: (...events) => {
          queued.push(...this.repository.serialize(events));
        },
      };
      const result = await work(tx);
      await this.repository.addMessages(manager, queued);
      return result;
    });
  }
}
