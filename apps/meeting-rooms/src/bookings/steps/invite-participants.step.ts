import { Injectable } from '@nestjs/common';
import type { SagaStep, SagaStepContext } from 'nestjs-cqrs-broker/saga';
import type { BookingContext } from '../book-meeting.saga.js';
import { INVITATIONS } from '../booking-tables.js';
import { failIfAsked } from './fail-at.js';

/** Invites each participant; compensation cancels the invitations. */
@Injectable()
export class InviteParticipants implements SagaStep<BookingContext> {
  async act(context: BookingContext, step: SagaStepContext): Promise<Partial<BookingContext>> {
    const rows = context.participants.map((participant) => ({ booking_id: step.sagaId, participant, status: 'invited' }));
    await step.manager.createQueryBuilder().insert().into(INVITATIONS, ['booking_id', 'participant', 'status']).values(rows).execute();
    failIfAsked(context, 'invite-participants');
    return { invited: rows.length };
  }

  async compensate(_context: BookingContext, step: SagaStepContext): Promise<void> {
    await step.manager.createQueryBuilder().update(INVITATIONS).set({ status: 'cancelled' }).where('booking_id = :id', { id: step.sagaId }).execute();
  }
}
