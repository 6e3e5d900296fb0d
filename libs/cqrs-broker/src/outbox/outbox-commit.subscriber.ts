import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { OutboxWakeup } from './outbox-wakeup.js';

/**
 * Watches the data source's transactions: when one that added outbox rows
 * commits (the outermost commit, not a savepoint), it wakes the relay. This
 * also covers `OutboxRepository.add` inside transactions the app opens itself.
 */
export class OutboxCommitSubscriber implements EntitySubscriberInterface {
  private readonly dirty = new WeakSet<QueryRunner>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly wakeup: OutboxWakeup,
  ) {}

  /** Remembers that this runner's transaction holds outbox rows; wakes at once when there is no transaction. */
  track(queryRunner: QueryRunner | undefined): void {
    if (queryRunner?.isTransactionActive) this.dirty.add(queryRunner);
    else this.wakeup.notify();
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.isTransactionActive && this.dirty.delete(event.queryRunner)) this.wakeup.notify();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.dirty.delete(event.queryRunner);
  }

  attach(): void {
    if (!this.dataSource.subscribers.includes(this)) this.dataSource.subscribers.push(this);
  }

  detach(): void {
    const index = this.dataSource.subscribers.indexOf(this);
    if (index >= 0) this.dataSource.subscribers.splice(index, 1);
  }
}
