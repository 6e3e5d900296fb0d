import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { MessageHeaders } from '../brokers/broker-message.js';
import { childTraceparent, newTraceparent } from './traceparent.js';

/** What ties a message to the work that caused it. @publicApi */
export interface MessageContextData {
  /** Shared by everything one original request caused, across services. */
  readonly correlationId: string;
  /** Id of the event (or request) being handled: the direct cause of new events. */
  readonly causationId?: string;
  /** W3C trace context of the current unit of work. */
  readonly traceparent: string;
}

const storage = new AsyncLocalStorage<MessageContextData>();
/** The context a domain event was created in, by event (a WeakMap: nothing added to the event itself). */
const eventContexts = new WeakMap<object, MessageContextData>();

/**
 * The correlation context of the current async flow. Integration events
 * created inside it carry `correlation-id`, `causation-id` and `traceparent`
 * headers; consumers restore it from those headers before handlers run, so a
 * chain of services shares one correlation id and one trace.
 * @publicApi
 */
export const MessageContext = {
  current(): MessageContextData | undefined {
    return storage.getStore();
  },

  run<T>(context: MessageContextData, work: () => T): T {
    return storage.run(context, work);
  },

  /** A fresh context for work that starts here (an HTTP request, a scheduled job). */
  start(correlationId: string = randomUUID()): MessageContextData {
    return { correlationId, traceparent: newTraceparent() };
  },

  /** The context for handling a received message, from its headers. */
  fromHeaders(headers: Readonly<Record<string, string | undefined>>, eventId: string): MessageContextData {
    return {
      correlationId: headers[MessageHeaders.correlationId] || eventId,
      causationId: eventId,
      // The copy broker instrumentations leave alone, when the writer traced (see MessageHeaders.originTraceparent).
      traceparent: childTraceparent(headers[MessageHeaders.originTraceparent] ?? headers[MessageHeaders.traceparent]),
    };
  },

  /**
   * Remembers the current context, if any, as the one `event` was created in
   * (called by the `DomainEvent` constructor). Outside a context: nothing.
   */
  capture(event: object): void {
    const context = storage.getStore();
    if (context) eventContexts.set(event, context);
  },

  /**
   * The context the handlers of a domain event run in: the correlation id
   * (and trace) of the context the event was created in, with the event's id
   * as the causation id; undefined when it was created outside a context.
   * The `EventEmitter` uses it, so the events a cascade produces keep the
   * request's correlation id after the request handler's own scope ended.
   */
  forEvent(event: object): MessageContextData | undefined {
    const context = eventContexts.get(event);
    if (!context) return undefined;
    const eventId = (event as { eventId?: unknown }).eventId;
    return typeof eventId === 'string' ? { ...context, causationId: eventId } : context;
  },

  /** Headers that an event created now should carry. */
  headers(): Record<string, string> {
    const context = storage.getStore();
    if (!context) return {};
    const headers: Record<string, string> = {
      [MessageHeaders.correlationId]: context.correlationId,
      [MessageHeaders.traceparent]: childTraceparent(context.traceparent),
    };
    if (context.causationId) headers[MessageHeaders.causationId] = context.causationId;
    return headers;
  },
};
