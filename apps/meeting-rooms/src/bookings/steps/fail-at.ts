import { NonRetryableException } from 'nestjs-cqrs-broker';
import type { BookingContext, BookingStep } from '../book-meeting.saga.js';

/** Sample only: throws when the booking was told to fail at `step` (not retried: the point is to show compensation). */
export function failIfAsked(context: BookingContext, step: BookingStep): void {
  if (context.failAt === step) throw new NonRetryableException(`${step} failed because the booking asked it to (failAt)`);
}
