import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContextId } from '@nestjs/core';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { HandlerRegistry } from '../discovery/handler-registry.js';
import { EventSerializer } from './event-serializer.js';
import type { IntegrationEventRoute } from './integration-event-route.js';
import { NotificationEvent } from './notification-event.js';
import { EventCascadeLimitException } from '../errors/event-cascade-limit.exception.js';

/** Events produced by handlers during one emit (beyond those passed in) after which we assume a cycle. */
const MAX_CASCADE = 10_000;

/**
 * Routes the events a handler produced: domain events to every bound
 * `EventHandler` in-process (a failing handler is logged with the event id and
 * does not stop the others; events those handlers produce are routed too);
 * notification and ECST events, in one batch, to its {@link IntegrationEventRoute}:
 * the configured `MessageBroker` unless `OutboxModule` routes them otherwise.
 *
 * This happens after the handler returned, so never atomically with the
 * handler's transaction: for that, write notification events with
 * `OutboxTransaction` inside it (see `OutboxModuleOptions.handlerEvents`).
 * @publicApi
 */
@Injectable()
export class EventEmitter {
  private readonly logger = new Logger('CqrsBroker');
  private route: IntegrationEventRoute;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly serializer: EventSerializer,
    @Inject(MESSAGE_BROKER) broker: MessageBroker,
  ) {
    this.route = {
      name: 'broker',
      send: (messages) => broker.publish(messages),
    };
  }

  /** The route integration events take now. */
  get integrationEventRoute(): IntegrationEventRoute {
    return this.route;
  }

  /**
   * Sends integration events left in handlers' `events` through `route` from
   * now on (called by `OutboxModule` at startup).
   */
  useIntegrationEventRoute(route: IntegrationEventRoute): void {
    this.route = route;
  }

  /**
   * Routes `events` and the events their handlers produce. With `contextId`
   * (one scope per send), non-singleton event handlers are resolved in that
   * DI sub-tree, shared with the request handler that produced the events.
   */
  async emit(events: readonly object[], contextId?: ContextId): Promise<void> {
    const outgoing: BrokerMessage[] = [];
    const queue = [...events];
    for (let i = 0; i < queue.length; i++) {
      if (i >= events.length + MAX_CASCADE) throw new EventCascadeLimitException(MAX_CASCADE);
      const event = queue[i];
      if (event instanceof NotificationEvent) {
        outgoing.push(this.serializer.toMessage(event));
        continue;
      }
      for (const invoker of this.registry.eventInvokersOf(event.constructor)) {
        try {
          const { events: produced } = await invoker.invoke(event, contextId);
          if (produced) queue.push(...produced);
        } catch (error) {
          const eventId = (event as { eventId?: string }).eventId ?? 'without id';
          this.logger.error(
            `${invoker.handlerType.name} failed on ${event.constructor.name} (event ${eventId}): ${(error as Error)?.message ?? error}`,
            (error as Error)?.stack,
          );
        }
      }
    }
    if (outgoing.length) await this.route.send(outgoing);
  }
}
