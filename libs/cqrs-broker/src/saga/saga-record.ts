import type { SagaState, SagaStepStatus } from './saga-state.js';

/** One step in the saga log. @publicApi */
export interface SagaStepRecord {
  readonly name: string;
  readonly status: SagaStepStatus;
  /** Attempts of `act`, counted before each one runs (so a crash counts too). */
  readonly attempts: number;
  /** Attempts of `compensate`, counted the same way. */
  readonly compensationAttempts: number;
  /** The last error of this step, kept until it succeeds. */
  readonly error: string | null;
  /** The step's fallback acted in its place (and compensates it). */
  readonly fallback?: boolean;
}

/**
 * A saga as its log holds it, read at one moment.
 * @publicApi
 */
export interface SagaSnapshot<TContext extends object = Record<string, unknown>> {
  readonly id: string;
  readonly name: string;
  readonly state: SagaState;
  readonly context: TContext;
  readonly steps: readonly SagaStepRecord[];
  /** Why the saga compensated or failed. */
  readonly error: string | null;
  readonly version: number;
  readonly recoveryAttempts: number;
  /** The worker that owns the saga until `leaseUntil` (null when nobody does). */
  readonly leaseOwner: string | null;
  readonly leaseUntil: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The log's row in the executor's hands: times in epoch ms, JSON parsed. */
export interface SagaRecord {
  id: string;
  name: string;
  state: SagaState;
  context: Record<string, unknown>;
  steps: SagaStepRecord[];
  error: string | null;
  version: number;
  recoveryAttempts: number;
  leaseOwner: string | null;
  leaseUntil: number;
  createdAt: number;
  updatedAt: number;
  /**
   * In memory only: the step whose attempt this worker already counted in
   * its last write (folded into the previous step's commit), so it runs
   * without another claim.
   */
  claimedStep?: number;
}

export function snapshotOf<TContext extends object>(record: SagaRecord): SagaSnapshot<TContext> {
  return Object.freeze({
    id: record.id,
    name: record.name,
    state: record.state,
    context: structuredClone(record.context) as TContext,
    steps: record.steps.map((step) => Object.freeze({ ...step })),
    error: record.error,
    version: record.version,
    recoveryAttempts: record.recoveryAttempts,
    leaseOwner: record.leaseOwner,
    leaseUntil: record.leaseOwner ? new Date(record.leaseUntil) : null,
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  });
}
