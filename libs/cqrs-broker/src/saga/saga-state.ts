/**
 * Where a saga is. `running`: steps go forward; `compensating`: a step failed
 * for good (or an admin asked) and the completed steps are undone in reverse;
 * `completed` and `compensated` are the two good ends; `failed` needs a
 * human (a compensation that kept failing, or too many recoveries), with the
 * error kept in the log.
 * @publicApi
 */
export const SagaState = {
  Running: 'running',
  Compensating: 'compensating',
  Completed: 'completed',
  Compensated: 'compensated',
  Failed: 'failed',
} as const;

/** One of the {@link SagaState} values. @publicApi */
export type SagaState = (typeof SagaState)[keyof typeof SagaState];

/** The states a saga never leaves by itself (an admin may retry or compensate a `failed` one). */
export const TERMINAL_SAGA_STATES: ReadonlySet<SagaState> = new Set([SagaState.Completed, SagaState.Compensated, SagaState.Failed]);

/** The states the recovery worker resumes. */
export const ACTIVE_SAGA_STATES: readonly SagaState[] = [SagaState.Running, SagaState.Compensating];

/**
 * Where one step is. `running` and `compensating` are written before the
 * step's code runs, so after a crash the log shows which step was in flight.
 * @publicApi
 */
export const SagaStepStatus = {
  Pending: 'pending',
  Running: 'running',
  Completed: 'completed',
  /** `act` failed on its last attempt; it is not compensated (its transaction rolled back). */
  Failed: 'failed',
  Compensating: 'compensating',
  Compensated: 'compensated',
  /** `compensate` failed on its last attempt: the saga is `failed`. */
  CompensationFailed: 'compensation_failed',
} as const;

/** One of the {@link SagaStepStatus} values. @publicApi */
export type SagaStepStatus = (typeof SagaStepStatus)[keyof typeof SagaStepStatus];

/** Step statuses whose effect is (or may be) applied, so compensation undoes them. */
export const COMPENSABLE_STEP_STATUSES: ReadonlySet<SagaStepStatus> = new Set([
  SagaStepStatus.Completed,
  SagaStepStatus.Compensating,
  SagaStepStatus.CompensationFailed,
]);
