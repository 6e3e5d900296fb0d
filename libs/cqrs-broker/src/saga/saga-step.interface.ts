import type { Type } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { NotificationEvent } from '../events/notification-event.js';
import type { CircuitBreakerOptions } from '../circuit-breaker/circuit-breaker-options.interface.js';
import type { ErrorClass } from '../fallback/fallback-options.interface.js';
import type { RetryPolicy } from '../retry/retry-policy.js';

/**
 * What a step's `act` and `compensate` get besides the saga context.
 * @publicApi
 */
export interface SagaStepContext {
  readonly sagaId: string;
  readonly sagaName: string;
  readonly stepName: string;
  /**
   * `<saga id>:<step name>` for `act`, `<saga id>:<step name>:compensate` for
   * `compensate`: the same on every attempt and after every recovery. Steps
   * are at least once; pass this key to the services you call (or key a
   * table on it) so a repeated attempt changes nothing.
   */
  readonly idempotencyKey: string;
  /** 1 on the first attempt, counted across crashes and recoveries. */
  readonly attempt: number;
  /**
   * The manager of the step's transaction. Rows written with it commit
   * together with the step's entry in the saga log, or not at all.
   */
  readonly manager: EntityManager;
  /**
   * Queues integration events for the outbox, written in the step's
   * transaction (needs `OutboxModule`, or `outbox` when built by hand).
   */
  emit(...events: NotificationEvent<unknown>[]): void;
}

/**
 * One step of a saga: a Nest provider whose `act` does the work and returns
 * what it adds to the saga context, and whose optional `compensate` undoes
 * it. Both run at least once: make them idempotent with
 * `step.idempotencyKey`.
 *
 * @example
 * \@Injectable()
 * export class ReserveRoom implements SagaStep<BookingContext> {
 *   async act(context: BookingContext, step: SagaStepContext) {
 *     const reservation = await step.manager.save(Reservation, { key: step.idempotencyKey, roomId: context.roomId });
 *     return { reservationId: reservation.id };
 *   }
 *   async compensate(context: BookingContext, step: SagaStepContext) {
 *     await step.manager.delete(Reservation, { id: context.reservationId });
 *   }
 * }
 * @publicApi
 */
export interface SagaStep<TContext extends object> {
  act(context: TContext, step: SagaStepContext): Promise<Partial<TContext> | void> | Partial<TContext> | void;
  compensate?(context: TContext, step: SagaStepContext): Promise<void> | void;
}

/** A step class (a provider). @publicApi */
export type SagaStepType<TContext extends object> = Type<SagaStep<TContext>>;

/**
 * A step with its own settings, where a saga lists its steps.
 * @publicApi
 */
export interface SagaStepBinding<TContext extends object> {
  readonly step: SagaStepType<TContext>;
  /**
   * The name in the saga log. Recovery finds steps by it, so keep it stable
   * once sagas with it are stored.
   * @default the class name
   */
  readonly name?: string;
  /** Attempts of `act` and the waits between them. @default the module's `retry` */
  readonly retry?: Partial<RetryPolicy>;
  /** Attempts of `compensate` and the waits between them. @default the module's `compensationRetry` */
  readonly compensationRetry?: Partial<RetryPolicy>;
  /** A step that acts instead when this one fails with given errors, or while its circuit breaker is open. */
  readonly fallback?: SagaStepFallback<TContext>;
}

/**
 * A step that acts in place of another (python-cqrs `Fallback`): when the
 * step's `act` fails with one of the errors in `on`, or at once while the
 * step's circuit breaker is open. It runs in the same attempt, in a
 * transaction of its own (the failed act's rolled back), under the same
 * idempotency key; a step completed by its fallback is compensated by the
 * fallback's `compensate`. The log marks such a step with `fallback: true`.
 *
 * @example
 * steps: [{ step: ChargeCard, fallback: { step: ChargeLater, on: [TimeoutException], breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 } } }]
 * @publicApi
 */
export interface SagaStepFallback<TContext extends object> {
  /** The step that acts instead: a provider, like the step. */
  readonly step: SagaStepType<TContext>;
  /**
   * The errors (by class, `instanceof`) that make the fallback act and that
   * the breaker counts. Other errors are the step's own failure (retried).
   * @default every error
   */
  readonly on?: readonly ErrorClass[];
  /**
   * A circuit breaker around the step's `act` (shared `CircuitBreakers`,
   * named `<saga>.<step>`): after `consecutiveFailures` errors of `on`, the
   * step is not called for `halfOpenAfterMs` and the fallback acts at once.
   * `true` takes the defaults. Needs the optional peer package `cockatiel`,
   * loaded at startup only when a breaker is declared.
   * @default undefined (no breaker)
   */
  readonly breaker?: CircuitBreakerOptions | true;
}

/** A step in a saga's list: its class, or a binding with settings. @publicApi */
export type SagaStepEntry<TContext extends object> = SagaStepType<TContext> | SagaStepBinding<TContext>;
