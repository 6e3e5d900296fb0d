import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContextId } from '@nestjs/core';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { HandlerRegistry } from '../discovery/handler-registry.js';
import type { HandlerInvoker } from '../discovery/handler-invoker.js';
import { EventSerializer } from './event-serializer.js';
import type { IntegrationEventRoute } from './integration-event-route.js';
import { NotificationEvent } from './notification-event.js';
import { MessageContext, type MessageContextData } from '../tracing/message-context.js';
import { EventCascadeLimitException } from '../errors/event-cascade-limit.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';

/** Events produced by handlers during one emit (beyond those passed in) after which we assume a cycle. */
const MAX_CASCADE = 10_000;

/** `eventHandlerConcurrency`, checked: an integer of at least 1, or `Infinity`. */
export function resolveEventHandlerConcurrency(value: number | undefined): number {
  const concurrency = value ?? 1;
  if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new InvalidOptionException('eventHandlerConcurrency', 'an integer >= 1 or Infinity', concurrency);
  }
  return concurrency;
}

/**
 * Routes the events a handler produced: domain events to every bound
 * `EventHandler` in-process (a failing handler is logged with the event id and
 * does not stop the others; events those handlers produce are routed too),
 * one after the other or, with `eventHandlerConcurrency` above 1, concurrently;
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
  private readonly concurrency: number;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly serializer: EventSerializer,
    @Inject(MESSAGE_BROKER) broker: MessageBroker,
    @Inject(CQRS_BROKER_OPTIONS) options: CqrsBrokerModuleOptions,
  ) {
    this.concurrency = resolveEventHandlerConcurrency(options.eventHandlerConcurrency);
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
   * Resolves when every handler is done and the integration events are sent.
   */
  emit(events: readonly object[], contextId?: ContextId): Promise<void> {
    return this.concurrency > 1 ? this.emitConcurrently(events, contextId) : this.emitInOrder(events, contextId);
  }

  /** One handler at a time: the events in order, each event's handlers in order, follow-ups after them. */
  private async emitInOrder(events: readonly object[], contextId: ContextId | undefined): Promise<void> {
    const outgoing: BrokerMessage[] = [];
    const queue = [...events];
    for (let i = 0; i < queue.length; i++) {
      if (i >= events.length + MAX_CASCADE) throw new EventCascadeLimitException(MAX_CASCADE);
      const event = queue[i];
      if (event instanceof NotificationEvent) {
        outgoing.push(this.serializer.toMessage(event));
        continue;
      }
      const invokers = this.registry.eventInvokersOf(event.constructor);
      const context = invokers.length ? MessageContext.forEvent(event) : undefined;
      for (const invoker of invokers) {
        try {
          const { events: produced } = await invokeIn(context, invoker, event, contextId);
          if (produced) queue.push(...produced);
        } catch (error) {
          this.handlerFailed(invoker, event, error);
        }
      }
    }
    if (outgoing.length) await this.route.send(outgoing);
  }

  /**
   * Up to `concurrency` handlers at once, started in the order the events
   * came; a handler's follow-up events are queued as soon as it is done. An
   * error that is not a handler's (the cascade limit, an unserializable
   * notification) stops new starts and rejects once the running ones are done.
   */
  private emitConcurrently(events: readonly object[], contextId: ContextId | undefined): Promise<void> {
    const outgoing: BrokerMessage[] = [];
    const tasks: ({ readonly event: object; readonly invoker: HandlerInvoker; readonly context: MessageContextData | undefined } | undefined)[] = [];
    let started = 0;
    let running = 0;
    let produced = 0;
    let failure: { readonly error: unknown } | undefined;
    const add = (event: object): void => {
      if (event instanceof NotificationEvent) {
        outgoing.push(this.serializer.toMessage(event));
        return;
      }
      const invokers = this.registry.eventInvokersOf(event.constructor);
      const context = invokers.length ? MessageContext.forEvent(event) : undefined;
      for (const invoker of invokers) tasks.push({ event, invoker, context });
    };
    return new Promise<void>((resolve, reject) => {
      const finished = (): void => {
        if (failure) reject(failure.error);
        else if (outgoing.length) this.route.send(outgoing).then(resolve, reject);
        else resolve();
      };
      const pump = (): void => {
        while (!failure && running < this.concurrency && started < tasks.length) {
          const { event, invoker, context } = tasks[started]!;
          tasks[started++] = undefined;
          running++;
          invokeIn(context, invoker, event, contextId)
            .then(
              ({ events: more }) => {
                if (!more || failure) return;
                produced += more.length;
                if (produced > MAX_CASCADE) {
                  failure = { error: new EventCascadeLimitException(MAX_CASCADE) };
                  return;
                }
                try {
                  for (const next of more) add(next);
                } catch (error) {
                  failure = { error };
                }
              },
              (error: unknown) => this.handlerFailed(invoker, event, error),
            )
            .then(() => {
              running--;
              pump();
            });
        }
        if (running === 0 && (failure || started === tasks.length)) finished();
      };
      try {
        for (const event of events) add(event);
      } catch (error) {
        failure = { error };
      }
      pump();
    });
  }

  private handlerFailed(invoker: HandlerInvoker, event: object, error: unknown): void {
    const eventId = (event as { eventId?: string }).eventId ?? 'without id';
    this.logger.error(
      `${invoker.handlerType.name} failed on ${event.constructor.name} (event ${eventId}): ${(error as Error)?.message ?? error}`,
      (error as Error)?.stack,
    );
  }
}

/**
 * Calls an event handler in the correlation context its event was created in
 * (see `MessageContext.forEvent`), or as it is when the event has none.
 */
function invokeIn(context: MessageContextData | undefined, invoker: HandlerInvoker, event: object, contextId: ContextId | undefined) {
  return context ? MessageContext.run(context, () => invoker.invoke(event, contextId)) : invoker.invoke(event, contextId);
}
