import { IntegrationEvent, NotificationEvent } from 'nestjs-cqrs-broker';

export interface MeetingLinkSentPayload {
  bookingId: string;
  roomId: string;
  participants: string[];
  link: string;
}

/** The last step of a booking: the participants get the link. */
@IntegrationEvent({ name: 'meeting_link_sent', topic: 'meeting_bookings' })
export class MeetingLinkSent extends NotificationEvent<MeetingLinkSentPayload> {}
