import type { EntityManager } from 'typeorm';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from '../brokers/broker-message.js';
import { UnserializableEventException } from '../errors/unserializable-event.exception.js';
import { EventSerializer } from '../events/event-serializer.js';
import type { NotificationEvent } from '../events/notification-event.js';
import { encodeBody, type OutboxCodec } from './outbox-codec.js';
import type { OutboxCommitSubscriber } from './outbox-commit.subscriber.js';
import type { OutboxRelaySource } from './outbox-options.interface.js';
import type { OutboxDialect, PreparedOutboxRow } from './outbox.dialect.js';
import type { CqrsTracing } from '../tracing/cqrs-tracing.js';

const LIMITS = { eventId: 128, eventName: 255, topic: 255, key: 255 } as const;

/**
 * Writes notification and ECST events into the outbox table inside the
 * caller's transaction: they commit with the business change or not at all.
 * @publicApi
 */
export class OutboxRepository {
  constructor(
    private readonly dialect: OutboxDialect,
    private readonly serializer: EventSerializer,
    private readonly codec: OutboxCodec,
    private readonly commits: OutboxCommitSubscriber,
    private readonly notify: boolean,
    /** `logical-replication`: events go to the WAL only (see `OutboxRelaySource`). */
    private readonly source: OutboxRelaySource = 'table',
    /** Tracing on: an `outbox write` span, whose context every row stores in its headers. */
    private readonly tracing: CqrsTracing | null = null,
  ) {}

  /** The outbox table this repository writes. */
  get tableName(): string {
    return this.dialect.tableName;
  }

  /**
   * Stores events with `manager` (use the one of your transaction). Throws
   * `UnserializableEventException` at once for anything that is not a
   * serializable `NotificationEvent`/`ECSTEvent`, so a bad event fails the
   * business transaction instead of the relay.
   *
   * @example
   * await dataSource.transaction(async (manager) => {
   *   await manager.save(booking);
   *   await outbox.add(manager, new RoomBooked({ payload: { bookingId: booking.id }, key: booking.roomId }));
   * });
   */
  async add(manager: EntityManager, events: NotificationEvent<unknown> | readonly NotificationEvent<unknown>[]): Promise<void> {
    await this.addMessages(manager, this.serialize(Array.isArray(events) ? events : [events as NotificationEvent<unknown>]));
  }

  /** Serializes events now (synchronously), so errors surface where the event was added. */
  serialize(events: readonly NotificationEvent<unknown>[]): BrokerMessage[] {
    return events.map((event) => {
      const message = this.serializer.toMessage(event);
      for (const [field, max] of Object.entries(LIMITS)) {
        const value = message[field as keyof typeof LIMITS];
        if (value !== undefined && value.length > max) {
          throw new UnserializableEventException(message.eventName, `${field} is longer than the outbox allows (${max})`);
        }
      }
      return message;
    });
  }

  /** Stores already serialized messages with `manager`. */
  async addMessages(manager: EntityManager, messages: readonly BrokerMessage[]): Promise<void> {
    if (!messages.length) return;
    const rows = this.preparedForInsert.get(messages) ?? (await this.prepare(messages));
    this.preparedForInsert.delete(messages);
    if (this.source === 'logical-replication') {
      // One WAL message, decoded for the relays' slot at commit: nothing to wake, the stream pushes it.
      await this.dialect.emit(manager, rows);
      return;
    }
    // On PostgreSQL the NOTIFY for other processes' relays rides on the INSERT (one round trip).
    await this.dialect.insert(manager, rows, this.notify);
    this.commits.track(manager.queryRunner);
  }

  /**
   * The statement that stores `messages` when sent together with the COMMIT
   * of `manager`'s transaction (one round trip: `OutboxTransaction`), or
   * undefined where the database cannot take both at once (then
   * {@link addMessages} stores them before the COMMIT).
   */
  async statementForCommit(manager: EntityManager, messages: readonly BrokerMessage[]): Promise<string | undefined> {
    if (!messages.length) return undefined;
    const rows = await this.prepare(messages);
    const statement = this.dialect.statementForCommit(rows, this.notify, this.source);
    // No statement (MariaDB/MySQL, SQLite): addMessages inserts these rows, prepared (and traced, counted) once.
    if (statement === undefined) this.preparedForInsert.set(messages, rows);
    if (statement !== undefined && this.source === 'table') this.commits.track(manager.queryRunner);
    return statement;
  }

  /** Rows statementForCommit prepared where the database takes no statement with the COMMIT, for the addMessages that follows. */
  private readonly preparedForInsert = new WeakMap<readonly BrokerMessage[], PreparedOutboxRow[]>();

  /** With tracing on, inside an `outbox write` span whose context each row stores in its headers. */
  private prepare(messages: readonly BrokerMessage[]): Promise<PreparedOutboxRow[]> {
    if (this.tracing) return this.tracing.outboxWrite(messages, this.dialect.tableName, (traceHeaders) => this.rows(messages, traceHeaders));
    return this.rows(messages);
  }

  private rows(messages: readonly BrokerMessage[], traceHeaders?: Readonly<Record<string, string>>): Promise<PreparedOutboxRow[]> {
    return Promise.all(
      messages.map(async (m) => ({
        eventId: m.eventId,
        eventName: m.eventName,
        topic: m.topic,
        key: m.key ?? null,
        payload: await encodeBody(this.codec, m.body),
        contentType: m.headers[MessageHeaders.contentType] ?? JSON_CONTENT_TYPE,
        codec: this.codec,
        headers: JSON.stringify(traceHeaders ? { ...m.headers, ...traceHeaders } : m.headers),
      })),
    );
  }
}
