/**
 * Where a consumer counts the attempts at one event, so that the count
 * survives redelivery. The pipeline calls {@link begin} before running the
 * handlers (except when retrying through an outage, which does not spend an
 * attempt) and {@link clear} once the event was handled or given up on.
 * An event whose count is already past `retry.maxAttempts` when it arrives
 * again (its earlier deliveries started every attempt and never finished,
 * e.g. each crashed the process) is dead-lettered without running.
 *
 * Two implementations: {@link MemoryAttemptStore} (the default: counts
 * redeliveries to this process, forgets on restart) and `InboxAttemptStore`
 * from `nestjs-cqrs-broker/inbox` (a table: survives restarts and crashes).
 * @publicApi
 */
export interface AttemptStore {
  /** Records that an attempt of `eventId` by `consumerName` starts; resolves with the attempts so far, this one included (1 the first time). */
  begin(consumerName: string, eventId: string): Promise<number>;
  /** Forgets the count of `eventId` (handled, or dead-lettered): a later delivery, e.g. a dead-letter replay, starts from 1. */
  clear(consumerName: string, eventId: string): Promise<void>;
}

/**
 * The default {@link AttemptStore}: a map in this process, bounded to
 * `maxEntries` (the oldest counts are dropped first). It counts attempts
 * across redeliveries this process sees (a Kafka partition read again, a
 * RabbitMQ message requeued), not across restarts: use `InboxAttemptStore`
 * for a message that crashes the process.
 * @publicApi
 */
export class MemoryAttemptStore implements AttemptStore {
  private readonly counts = new Map<string, number>();

  /** @param maxEntries counts kept at most (default 10 000). */
  constructor(private readonly maxEntries = 10_000) {}

  async begin(consumerName: string, eventId: string): Promise<number> {
    const key = `${consumerName}\u0000${eventId}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.delete(key); // re-inserted last: the map's order is the age
    this.counts.set(key, count);
    if (this.counts.size > this.maxEntries) this.counts.delete(this.counts.keys().next().value!);
    return count;
  }

  async clear(consumerName: string, eventId: string): Promise<void> {
    this.counts.delete(`${consumerName}\u0000${eventId}`);
  }
}
