import { Module } from '@nestjs/common';
import { SagaModule } from 'nestjs-cqrs-broker/saga';
import { BookMeeting } from './book-meeting.saga.js';
import { BookingTables } from './booking-tables.js';
import { BookingsController } from './bookings.controller.js';
import { InviteParticipants } from './steps/invite-participants.step.js';
import { ReserveRoom } from './steps/reserve-room.step.js';
import { SendMeetingLink } from './steps/send-meeting-link.step.js';

/**
 * Meeting bookings as an orchestrated saga (nestjs-cqrs-broker/saga) on the
 * app's data source: the steps' rows, the saga log and the link event (outbox)
 * commit step by step; the recovery worker in this process resumes bookings a
 * crash interrupted.
 */
@Module({
  imports: [SagaModule.forRoot({ retry: { maxAttempts: 3, initialDelayMs: 100 }, recovery: { pollIntervalMs: 2_000 } })],
  controllers: [BookingsController],
  providers: [BookingTables, BookMeeting, ReserveRoom, InviteParticipants, SendMeetingLink],
})
export class BookingsModule {}
