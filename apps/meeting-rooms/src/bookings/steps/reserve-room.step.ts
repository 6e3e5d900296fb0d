import { Injectable } from '@nestjs/common';
import type { SagaStep, SagaStepContext } from 'nestjs-cqrs-broker/saga';
import type { BookingContext } from '../book-meeting.saga.js';
import { RESERVATIONS } from '../booking-tables.js';
import { failIfAsked } from './fail-at.js';

/** Holds the room for the booking; compensation releases it. */
@Injectable()
export class ReserveRoom implements SagaStep<BookingContext> {
  async act(context: BookingContext, step: SagaStepContext): Promise<Partial<BookingContext>> {
    // In the step's transaction, keyed by its idempotency key: committed once with the log entry, or not at all.
    await step.manager.createQueryBuilder().insert().into(RESERVATIONS, ['id', 'booking_id', 'room_id', 'status']).values({ id: step.idempotencyKey, booking_id: step.sagaId, room_id: context.roomId, status: 'held' }).execute();
    failIfAsked(context, 'reserve-room');
    return { reservationId: step.idempotencyKey };
  }

  async compensate(context: BookingContext, step: SagaStepContext): Promise<void> {
    await step.manager.createQueryBuilder().update(RESERVATIONS).set({ status: 'released' }).where('id = :id', { id: context.reservationId }).execute();
  }
}
