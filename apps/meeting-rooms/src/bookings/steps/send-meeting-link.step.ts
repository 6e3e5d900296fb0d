import { Injectable } from '@nestjs/common';
import type { SagaStep, SagaStepContext } from 'nestjs-cqrs-broker/saga';
import type { BookingContext } from '../book-meeting.saga.js';
import { MeetingLinkSent } from '../meeting-link-sent.event.js';
import { failIfAsked } from './fail-at.js';

/** Sends the meeting link: an integration event, written through the outbox in the step's transaction. */
@Injectable()
export class SendMeetingLink implements SagaStep<BookingContext> {
  act(context: BookingContext, step: SagaStepContext): Partial<BookingContext> {
    failIfAsked(context, 'send-link');
    const link = `https://meet.example.com/${encodeURIComponent(context.roomId)}/${step.sagaId}`;
    step.emit(new MeetingLinkSent({ payload: { bookingId: step.sagaId, roomId: context.roomId, participants: context.participants, link }, key: context.roomId }));
    return { link };
  }
}
