import type { Type } from '@nestjs/common';
import type { SagaStepEntry } from './saga-step.interface.js';

export const SAGA_METADATA = 'cqrs-broker:saga';

/**
 * The base class of a saga: its type parameter is the saga context, so
 * `SagaMediator.start(BookMeeting, context)` checks the context and returns
 * it typed. The steps are declared with {@link DefineSaga}.
 * @publicApi
 */
export abstract class Saga<TContext extends object> {
  /** Phantom: carries the context type; never set. */
  declare readonly __context?: TContext;
}

/** A saga class. @publicApi */
export type SagaType<TContext extends object = object> = Type<Saga<TContext>> | (abstract new () => Saga<TContext>);

/** The context type of a saga class. @publicApi */
export type SagaContextOf<S> = S extends SagaType<infer C> ? C : never;

/** What {@link DefineSaga} declares. @publicApi */
export interface SagaDefinition<TContext extends object> {
  /**
   * The name stored in the saga log; recovery finds the definition by it,
   * so keep it stable.
   */
  readonly name: string;
  /** The steps, run in this order and compensated in reverse. */
  readonly steps: readonly SagaStepEntry<TContext>[];
}

/**
 * Declares a saga's name and steps. A decorated class listed in a module's
 * `providers` is found at bootstrap; one listed in `SagaModule`'s `sagas` is
 * bound explicitly. Its steps must be providers.
 *
 * @example
 * \@DefineSaga({ name: 'book-meeting', steps: [ReserveRoom, InviteParticipants, SendLink] })
 * export class BookMeeting extends Saga<BookingContext> {}
 * @publicApi
 */
export function DefineSaga<TContext extends object>(definition: SagaDefinition<TContext>) {
  return (target: SagaType<TContext>): void => {
    Reflect.defineMetadata(SAGA_METADATA, definition, target);
  };
}

/** The definition declared on a saga class, if any. */
export function getSagaDefinition(target: Function): SagaDefinition<object> | undefined {
  return Reflect.getMetadata(SAGA_METADATA, target) as SagaDefinition<object> | undefined;
}
