import type { DataSource, EntityManager, EntitySchema } from 'typeorm';
import { requireOptionalPeer } from '../optional-peer.js';
import { currentConsumerContext } from '../consumers/consumer-context.js';
import type { InboxRecord } from './inbox-record.js';
import { INBOX_DEFAULTS } from './inbox-defaults.js';
import { createInboxEntity } from './inbox.entity.js';
import { isUniqueViolation } from './unique-violation.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { INBOX_ENTITY_NOT_REGISTERED, INBOX_NEEDS_CONSUMER_NAME } from '../errors/messages.js';
import type { CqrsTracing } from '../tracing/cqrs-tracing.js';

/** The event an inbox transaction is about: any event with an id (e.g. a received `NotificationEvent`). @publicApi */
export interface InboxEvent {
  readonly eventId: string;
  readonly eventName?: string;
}

/** What {@link Inbox.transaction} did. @publicApi */
export type InboxOutcome<T> =
  | { readonly status: 'processed'; readonly result: T }
  /** This consumer had already handled the event: `work` did not run. */
  | { readonly status: 'duplicate' };

/** Thrown inside the transaction to roll it back when the inbox row already exists. Private control flow: never leaves `transaction`. */
class AlreadyHandled extends Error {}

/** Drivers whose TypeORM query runner is shared by the whole DataSource: their transactions must not overlap. */
const SINGLE_CONNECTION_DRIVERS = new Set(['better-sqlite3', 'sqljs', 'capacitor', 'cordova', 'react-native', 'nativescript', 'expo']);
const sqliteLocks = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Exactly-once effects over at-least-once delivery: runs a handler's work in
 * a transaction that also inserts the inbox row (consumer name, event id).
 * A redelivered event finds the row and is skipped; two deliveries racing
 * each other meet at the primary key, and the loser rolls back.
 *
 * @example
 * \@HandlesEvent(UserJoinedMeeting)
 * \@Injectable()
 * export class UserJoinedMeetingHandler implements EventHandler<UserJoinedMeeting> {
 *   constructor(private readonly inbox: Inbox) {}
 *   async handle(event: UserJoinedMeeting) {
 *     await this.inbox.transaction(event, (manager) => manager.insert(Notification, { ... }));
 *   }
 * }
 * @publicApi
 */
export class Inbox {
  private readonly entity: EntitySchema<InboxRecord>;
  private readonly serialize: boolean;

  constructor(
    private readonly dataSource: DataSource,
    readonly tableName: string = INBOX_DEFAULTS.tableName,
    /** Tracing on (`InboxModule` passes `CqrsBrokerModule`'s): an `inbox decision` span per transaction. */
    private readonly tracing: CqrsTracing | null = null,
  ) {
    this.entity = createInboxEntity({ tableName });
    this.serialize = SINGLE_CONNECTION_DRIVERS.has(dataSource.options.type);
  }

  /**
   * Runs `work` in a transaction with the inbox row of (`consumerName`,
   * `event.eventId`), unless that row exists: then returns `duplicate`
   * without running it. If `work` throws, nothing is recorded (the retry
   * runs it again). The consumer name defaults to that of the consumer
   * running the current handler.
   */
  async transaction<T>(
    event: InboxEvent,
    work: (manager: EntityManager) => Promise<T>,
    options: { consumerName?: string } = {},
  ): Promise<InboxOutcome<T>> {
    const consumerName = this.consumerNameOf(options);
    const run = async (): Promise<InboxOutcome<T>> => {
      try {
        return await this.dataSource.transaction(async (manager) => {
          try {
            await manager.insert(this.entity, { consumerName, eventId: event.eventId, eventName: event.eventName ?? null });
          } catch (error) {
            if (isUniqueViolation(error)) throw new AlreadyHandled();
            if (error instanceof requireOptionalPeer<typeof import('typeorm')>('typeorm', 'Inbox').EntityMetadataNotFoundError) {
              const entityArgument = this.tableName === INBOX_DEFAULTS.tableName ? '' : `{ tableName: '${this.tableName}' }`;
              throw new ConfigurationException(INBOX_ENTITY_NOT_REGISTERED(this.tableName, entityArgument), { cause: error });
            }
            throw error;
          }
          return { status: 'processed', result: await work(manager) } as const;
        });
      } catch (error) {
        if (error instanceof AlreadyHandled) return { status: 'duplicate' };
        throw error;
      }
    };
    const decide = this.serialize ? () => this.exclusive(run) : run;
    return this.tracing ? this.tracing.inboxDecision(consumerName, event.eventId, decide, (outcome) => outcome.status) : decide();
  }

  /** Whether the consumer already handled the event. */
  async has(eventId: string, options: { consumerName?: string } = {}): Promise<boolean> {
    const consumerName = this.consumerNameOf(options);
    return this.dataSource.getRepository(this.entity).exists({ where: { consumerName, eventId } });
  }

  private consumerNameOf(options: { consumerName?: string }): string {
    const consumerName = options.consumerName ?? currentConsumerContext()?.consumerName;
    if (!consumerName) {
      throw new ConfigurationException(INBOX_NEEDS_CONSUMER_NAME);
    }
    return consumerName;
  }

  /** Runs `work` after every other inbox transaction on this DataSource has finished. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = sqliteLocks.get(this.dataSource) ?? Promise.resolve();
    const result = previous.then(work, work);
    sqliteLocks.set(this.dataSource, result.catch(() => undefined));
    return result;
  }
}
