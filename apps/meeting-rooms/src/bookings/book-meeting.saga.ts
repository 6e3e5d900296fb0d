import { DefineSaga, Saga } from 'nestjs-cqrs-broker/saga';
import { InviteParticipants } from './steps/invite-participants.step.js';
import { ReserveRoom } from './steps/reserve-room.step.js';
import { SendMeetingLink } from './steps/send-meeting-link.step.js';

/** The step names a booking can be told to fail at (`failAt`, sample only). */
export const BOOKING_STEPS = ['reserve-room', 'invite-participants', 'send-link'] as const;
export type BookingStep = (typeof BOOKING_STEPS)[number];

/** What the booking saga carries from step to step (stored as JSON in the saga log). */
export interface BookingContext {
  roomId: string;
  participants: string[];
  /** Sample only: this step throws, to show compensation. */
  failAt?: BookingStep;
  reservationId?: string;
  invited?: number;
  link?: string;
}

/**
 * Books a meeting: reserve the room → invite the participants → send the
 * link (an integration event through the outbox). A failure compensates in
 * reverse: the invitations are cancelled, the room released.
 */
@DefineSaga<BookingContext>({
  name: 'book-meeting',
  steps: [
    { step: ReserveRoom, name: 'reserve-room' },
    { step: InviteParticipants, name: 'invite-participants' },
    { step: SendMeetingLink, name: 'send-link' },
  ],
})
export class BookMeeting extends Saga<BookingContext> {}
