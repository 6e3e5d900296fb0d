import { randomUUID } from 'node:crypto';
import { MessageContext } from '../tracing/message-context.js';
import { getIntegrationEventContract } from './integration-event.decorator.js';
import { MissingEventContractException } from '../errors/missing-event-contract.exception.js';
import { EVENT_WITHOUT_NAME_OR_TOPIC } from '../errors/messages.js';

/** Fields to build a notification or ECST event from. @publicApi */
export interface NotificationEventInit<TPayload> {
  readonly payload: TPayload;
  /** Defaults to the class's `@IntegrationEvent` name. */
  readonly eventName?: string;
  /** Defaults to the class's `@IntegrationEvent` topic. */
  readonly topic?: string;
  /** Ordering/partition key, e.g. the aggregate id: events with one key keep their order. */
  readonly key?: string;
  /**
   * Extra message headers. Inside a `MessageContext` the event also gets
   * `correlation-id`, `causation-id` and `traceparent`; headers given here win.
   */
  readonly headers?: Readonly<Record<string, string>>;
  readonly eventId?: string;
  readonly eventTimestamp?: Date;
}

/**
 * An event sent to the message broker: it says that something changed and
 * carries identifiers in `payload`. On the wire it is python-cqrs's JSON:
 * `{ event_id, event_timestamp, event_name, topic, payload }`.
 * @publicApi
 */
export class NotificationEvent<TPayload = Record<string, unknown>> {
  readonly eventId: string;
  readonly eventTimestamp: Date;
  readonly eventName: string;
  readonly topic: string;
  readonly payload: TPayload;
  readonly key?: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(init: NotificationEventInit<TPayload>) {
    const contract = getIntegrationEventContract(new.target);
    const eventName = init.eventName ?? contract?.name;
    const topic = init.topic ?? contract?.topic;
    if (!eventName || !topic) {
      throw new MissingEventContractException(new.target.name, EVENT_WITHOUT_NAME_OR_TOPIC(new.target.name));
    }
    this.eventId = init.eventId ?? randomUUID();
    this.eventTimestamp = init.eventTimestamp ?? new Date();
    this.eventName = eventName;
    this.topic = topic;
    this.payload = init.payload;
    this.key = init.key;
    this.headers = { ...MessageContext.headers(), ...init.headers };
  }
}

/**
 * Event-carried state transfer: like a notification, but `payload` is the full
 * state of the entity, so consumers need not call back for it.
 * @publicApi
 */
export class ECSTEvent<TPayload = Record<string, unknown>> extends NotificationEvent<TPayload> {}
