import { NotificationEvent } from '../events/notification-event.js';
import type { OutboxTransaction } from './outbox-transaction.js';

/**
 * The shape of @nestjs/cqrs's `IEventPublisher` (written out here so that
 * nothing of @nestjs/cqrs is needed to load this module).
 * @publicApi
 */
export interface NestEventPublisher {
  publish(event: object, ...context: unknown[]): unknown;
  publishAll?(events: object[], ...context: unknown[]): unknown;
}

/** The part of @nestjs/cqrs's `EventBus` that {@link OutboxEventPublisher.install} uses. @publicApi */
export interface NestEventBus {
  publisher: NestEventPublisher;
}

/**
 * An `IEventPublisher` for @nestjs/cqrs's `EventBus` that sends integration
 * events (our `NotificationEvent`s, declared with `@IntegrationEvent`) to the
 * outbox and hands every other event to the publisher it replaces (the
 * `EventBus`'s default one, so `@EventsHandler`s and sagas see them as before).
 *
 * An integration event published while an {@link OutboxTransaction.run} is
 * open (`eventBus.publish` called from its work, e.g. by `AggregateRoot.commit()`)
 * joins that transaction: it is stored with the work's writes, or not at all
 * if they roll back. Published outside any, it is stored in a transaction of
 * its own; `publish` then returns the promise of that write (await it to know
 * the event is stored).
 *
 * @example
 * export class AppModule implements OnModuleInit {
 *   constructor(private readonly eventBus: EventBus, private readonly outbox: OutboxTransaction) {}
 *   onModuleInit() {
 *     OutboxEventPublisher.install(this.eventBus, this.outbox);
 *   }
 * }
 * @publicApi
 */
export class OutboxEventPublisher implements NestEventPublisher {
  constructor(
    private readonly outbox: OutboxTransaction,
    /** Where every event that is not a `NotificationEvent` goes. */
    readonly fallback: NestEventPublisher,
  ) {}

  /** Replaces `eventBus.publisher` by an `OutboxEventPublisher` that falls back to the current one; returns it. */
  static install(eventBus: NestEventBus, outbox: OutboxTransaction): OutboxEventPublisher {
    const publisher = new OutboxEventPublisher(outbox, eventBus.publisher);
    eventBus.publisher = publisher;
    return publisher;
  }

  publish(event: object, ...context: unknown[]): unknown {
    if (!(event instanceof NotificationEvent)) return this.fallback.publish(event, ...context);
    return this.store([event]);
  }

  publishAll(events: object[], ...context: unknown[]): unknown {
    const integration = events.filter((event): event is NotificationEvent<unknown> => event instanceof NotificationEvent);
    const others = events.filter((event) => !(event instanceof NotificationEvent));
    const stored = integration.length ? this.store(integration) : undefined;
    if (others.length) {
      if (this.fallback.publishAll) this.fallback.publishAll(others, ...context);
      else for (const event of others) this.fallback.publish(event, ...context);
    }
    return stored;
  }

  /** In the caller's transaction (queued until its commit), or in one of its own. */
  private store(events: NotificationEvent<unknown>[]): Promise<void> | undefined {
    const open = this.outbox.current();
    if (open) {
      open.add(...events);
      return undefined;
    }
    return this.outbox.run(async (tx) => tx.add(...events));
  }
}
