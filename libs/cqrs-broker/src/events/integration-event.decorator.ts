import type { Type } from '@nestjs/common';
import type { EventCodec } from './codecs/event-codec.interface.js';

export const INTEGRATION_EVENT_METADATA = 'cqrs-broker:integration-event';

/** What `@IntegrationEvent` records about a notification/ECST event class. @publicApi */
export interface IntegrationEventContract {
  /** `event_name` on the wire; the key consumers use to find the class. */
  readonly name: string;
  /** Topic (Kafka) or routing key (RabbitMQ) the event is published to. */
  readonly topic: string;
  /** Class of the payload, with class-validator decorators, checked when the event is received. */
  readonly payload?: Type<object>;
  /**
   * How the event's body is written and read, e.g. {@link protobufCodec}.
   * Prepared once at startup when the class is registered (handled, or
   * listed in `integrationEvents`).
   * @default python-cqrs JSON (`application/json`)
   */
  readonly codec?: EventCodec;
}

/**
 * Gives a `NotificationEvent`/`ECSTEvent` subclass its wire name and topic, so
 * producers need not repeat them and consumers can map incoming JSON back to
 * the class (and validate its payload).
 *
 * @example
 * \@IntegrationEvent({ name: 'meeting_room_closed', topic: 'meeting_room_notifications', payload: MeetingRoomClosedPayload })
 * export class MeetingRoomClosed extends ECSTEvent<MeetingRoomClosedPayload> {}
 * @publicApi
 */
export function IntegrationEvent(contract: IntegrationEventContract): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(INTEGRATION_EVENT_METADATA, contract, target);
  };
}

/** The contract declared on an event class, if any. */
export function getIntegrationEventContract(eventType: Function): IntegrationEventContract | undefined {
  return Reflect.getMetadata(INTEGRATION_EVENT_METADATA, eventType);
}
