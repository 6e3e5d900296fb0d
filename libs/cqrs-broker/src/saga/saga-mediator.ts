import { randomUUID } from 'node:crypto';
import type { SagaExecutor } from './saga-executor.js';
import { snapshotOf, type SagaSnapshot } from './saga-record.js';
import type { SagaType } from './saga.js';

/** Options of {@link SagaMediator.start} and {@link SagaMediator.dispatch}. @publicApi */
export interface SagaStartOptions {
  /**
   * The saga's id. Starting twice with one id runs the saga once: the second
   * start finds it in the log and gets its outcome.
   * @default a random UUID
   */
  readonly id?: string;
}

/**
 * Starts sagas and reads them. Expected outcomes are results: a saga that
 * compensated or failed is returned with that state, not thrown.
 *
 * @example
 * const booking = await sagas.start(BookMeeting, { roomId, participants }, { id: requestId });
 * if (booking.state === SagaState.Completed) return booking.context.meetingLink;
 * @publicApi
 */
export class SagaMediator {
  constructor(private readonly executor: SagaExecutor) {}

  /** Stores the saga and runs it to its end (or waits for the worker that does). */
  async start<TContext extends object>(saga: SagaType<TContext>, context: TContext, options: SagaStartOptions = {}): Promise<SagaSnapshot<TContext>> {
    const compiled = this.executor.sagaOf(saga);
    const id = options.id ?? randomUUID();
    await this.executor.create(compiled, id, context);
    return (await this.executor.run(id)) as SagaSnapshot<TContext>;
  }

  /**
   * Stores the saga and runs it in the background; returns its id once the
   * saga is durable in the log (a crash from then on is the recovery
   * worker's to resume).
   */
  async dispatch<TContext extends object>(saga: SagaType<TContext>, context: TContext, options: SagaStartOptions = {}): Promise<string> {
    const compiled = this.executor.sagaOf(saga);
    const id = options.id ?? randomUUID();
    await this.executor.create(compiled, id, context);
    this.executor.runInBackground(id);
    return id;
  }

  /** The saga as its log holds it now, or null. */
  async get<TContext extends object = Record<string, unknown>>(id: string): Promise<SagaSnapshot<TContext> | null> {
    const record = await this.executor.log.load(id);
    return record ? snapshotOf<TContext>(record) : null;
  }
}
