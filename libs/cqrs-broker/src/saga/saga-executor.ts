import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import {
  SAGA_COMPENSATION_FAILED,
  SAGA_COMPENSATION_INTERRUPTED,
  SAGA_COMPENSATION_REQUESTED,
  SAGA_EMIT_WITHOUT_OUTBOX,
  SAGA_ID_TAKEN,
  SAGA_LOST_RACE,
  SAGA_NAME_TAKEN,
  SAGA_RECOVERY_LIMIT,
  SAGA_STALE,
  SAGA_STEP_FAILED,
  SAGA_STEP_INTERRUPTED,
  SAGA_WRONG_STATE,
} from '../errors/messages.js';
import { SagaConflictException } from '../errors/saga-conflict.exception.js';
import { SagaNotFoundException } from '../errors/saga-not-found.exception.js';
import { SagaNotRegisteredException } from '../errors/saga-not-registered.exception.js';
import type { NotificationEvent } from '../events/notification-event.js';
import type { OutboxRepository } from '../outbox/outbox-repository.js';
import { backoffDelay } from '../retry/backoff.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import { sleep } from '../retry/sleep.js';
import { isNonRetryable } from '../retry/transient-failure.js';
import type { CompiledSaga, CompiledSagaStep } from './compiled-saga.js';
import type { SagaLog, SagaLogChanges } from './saga-log.js';
import type { ResolvedSagaOptions, ResolvedSagaRecoveryOptions } from './saga-options.resolver.js';
import { snapshotOf, type SagaRecord, type SagaSnapshot, type SagaStepRecord } from './saga-record.js';
import { COMPENSABLE_STEP_STATUSES, SagaState, SagaStepStatus, TERMINAL_SAGA_STATES } from './saga-state.js';
import type { SagaStep, SagaStepContext } from './saga-step.interface.js';

/** Everything an executor needs; `SagaModule` fills it from DI. @publicApi */
export interface SagaExecutorDependencies {
  readonly log: SagaLog;
  /** Sagas to run; more can be added with `register`. */
  readonly sagas?: readonly CompiledSaga[];
  readonly options: ResolvedSagaOptions;
  /** Where steps' `emit` writes, in the step's transaction. */
  readonly outbox?: OutboxRepository;
  /** Epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
}

/** What one pass of {@link SagaExecutor.drive} left. */
export interface SagaDriveResult {
  readonly record: SagaRecord;
  /** Another worker owns the saga (its lease runs), or this executor is stopping. */
  readonly busy: boolean;
}

/** The longest error text kept per step and per saga. */
const MAX_ERROR = 4_000;

const describe = (error: unknown): string => {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR)}…` : text;
};

const withStep = (steps: readonly SagaStepRecord[], index: number, change: Partial<SagaStepRecord>): SagaStepRecord[] =>
  steps.map((step, i) => (i === index ? { ...step, ...change } : step));

const terminal = (state: SagaState): SagaLogChanges => ({ state, leaseOwner: null, leaseUntil: 0 });

/** Marks a step's attempt as started (counted before it runs, so a crash counts too). */
const claim = (steps: readonly SagaStepRecord[], index: number, kind: 'act' | 'compensate'): SagaStepRecord[] =>
  kind === 'act'
    ? withStep(steps, index, { status: SagaStepStatus.Running, attempts: steps[index].attempts + 1 })
    : withStep(steps, index, { status: SagaStepStatus.Compensating, compensationAttempts: steps[index].compensationAttempts + 1 });

type ForwardMove = { kind: 'complete' } | { kind: 'spent' | 'run'; index: number };
type BackwardMove = { kind: 'compensated' } | { kind: 'spent' | 'run' | 'nothing-to-undo'; index: number };

function planForward(saga: CompiledSaga, record: SagaRecord): ForwardMove {
  const index = record.steps.findIndex((step) => step.status !== SagaStepStatus.Completed);
  if (index < 0) return { kind: 'complete' };
  // A claimed attempt is counted already; otherwise the step needs an attempt left.
  if (record.claimedStep !== index && record.steps[index].attempts >= saga.steps[index].retry.maxAttempts) return { kind: 'spent', index };
  return { kind: 'run', index };
}

function planBackward(saga: CompiledSaga, record: SagaRecord): BackwardMove {
  const index = findLastIndex(record.steps, (step) => COMPENSABLE_STEP_STATUSES.has(step.status));
  if (index < 0) return { kind: 'compensated' };
  const actor = record.steps[index].fallback ? saga.steps[index].fallback?.step : saga.steps[index].step;
  if (!actor?.compensate) return { kind: 'nothing-to-undo', index };
  if (record.claimedStep !== index && record.steps[index].compensationAttempts >= saga.steps[index].compensationRetry.maxAttempts) return { kind: 'spent', index };
  return { kind: 'run', index };
}

const findLastIndex = <T>(items: readonly T[], test: (item: T) => boolean): number => {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
};

/**
 * Runs sagas against their log. Every change is one write that checks the
 * log's version and renews this worker's lease, so two workers never run a
 * step of one saga at once: the one whose write comes second stops, and
 * leaves the saga to the lease holder. A step's `act` (or `compensate`) and
 * the log entry that marks it done commit in one transaction, with the
 * events it emits; a step's attempts are written before it runs, so crashes
 * count against its limit too.
 * @publicApi
 */
export class SagaExecutor {
  readonly options: ResolvedSagaOptions;
  readonly log: SagaLog;
  private readonly logger = new Logger('SagaExecutor');
  private readonly byName = new Map<string, CompiledSaga>();
  private readonly byType = new Map<Function, CompiledSaga>();
  private readonly outbox?: OutboxRepository;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Sagas a `drive` of this executor is in: a second one waits, as for another worker. */
  private readonly driving = new Set<string>();

  constructor(dependencies: SagaExecutorDependencies) {
    this.options = dependencies.options;
    this.log = dependencies.log;
    this.outbox = dependencies.outbox;
    this.clock = dependencies.clock ?? Date.now;
    for (const saga of dependencies.sagas ?? []) this.register(saga);
  }

  /** Adds a saga; a second saga of the same name is a configuration error. */
  register(saga: CompiledSaga): void {
    const existing = this.byName.get(saga.name);
    if (existing && existing !== saga && (existing.type === undefined || existing.type !== saga.type)) throw new ConfigurationException(SAGA_NAME_TAKEN(saga.name, existing.type?.name ?? existing.name, saga.type?.name ?? saga.name));
    this.byName.set(saga.name, saga);
    if (saga.type) this.byType.set(saga.type, saga);
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** The registered sagas. */
  get sagas(): readonly CompiledSaga[] {
    return [...this.byName.values()];
  }

  /** The registered saga of a class or a name. */
  sagaOf(saga: Function | string): CompiledSaga {
    const found = typeof saga === 'string' ? this.byName.get(saga) : this.byType.get(saga);
    if (!found) throw new SagaNotRegisteredException(typeof saga === 'string' ? saga : saga.name);
    return found;
  }

  /**
   * Stores a new saga in the log, owned by this worker for one lease. An id
   * that exists already is left as it is (idempotent start); one taken by a
   * saga of another name is a {@link SagaConflictException}.
   */
  async create(saga: CompiledSaga, id: string, context: object): Promise<{ readonly created: boolean }> {
    const now = this.clock();
    const created = await this.log.insert({
      id,
      name: saga.name,
      state: SagaState.Running,
      context: structuredClone(context) as Record<string, unknown>,
      steps: saga.steps.map((step) => ({ name: step.name, status: SagaStepStatus.Pending, attempts: 0, compensationAttempts: 0, error: null })),
      error: null,
      version: 0,
      recoveryAttempts: 0,
      leaseOwner: this.workerId,
      leaseUntil: now + this.options.leaseMs,
      createdAt: now,
      updatedAt: now,
    });
    if (!created) {
      const existing = await this.log.load(id);
      if (existing && existing.name !== saga.name) throw new SagaConflictException(SAGA_ID_TAKEN(id, existing.name, saga.name), id);
    }
    return { created };
  }

  /**
   * Drives the saga until it ends; while another worker owns it, waits
   * (reading the log) until that worker ends it or its lease runs out, then
   * takes over. Returns the saga as it ended, or as it was when this
   * executor was stopped.
   */
  async run(id: string): Promise<SagaSnapshot> {
    for (;;) {
      const { record, busy } = await this.drive(id);
      if (!busy || this.abort.signal.aborted) return snapshotOf(record);
      await sleep(this.options.waitPollMs, this.abort.signal);
    }
  }

  /** Runs `run(id)` in the background; `stop` waits for it. */
  runInBackground(id: string): void {
    const running = this.run(id)
      .catch((error: unknown) => this.logger.error(`Saga ${id} stopped on an error; the recovery worker will resume it: ${describe(error)}`))
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  /**
   * One pass: drives the saga as far as this worker can. With `recovery`,
   * the worker first takes the saga over from a worker whose lease ran out:
   * it counts a recovery attempt (the saga ends `failed` past
   * `maxRecoveryAttempts`) and compensates a running saga that is older than
   * `staleAfterMs` instead of resuming it.
   */
  async drive(id: string, mode: { readonly recovery?: boolean; readonly recoveryOptions?: ResolvedSagaRecoveryOptions } = {}): Promise<SagaDriveResult> {
    const loaded = await this.log.load(id);
    if (!loaded) throw new SagaNotFoundException(id);
    if (this.driving.has(id)) return { record: loaded, busy: !TERMINAL_SAGA_STATES.has(loaded.state) };
    this.driving.add(id);
    try {
      return await this.driveLoaded(loaded, mode);
    } finally {
      this.driving.delete(id);
    }
  }

  private async driveLoaded(loaded: SagaRecord, mode: { readonly recovery?: boolean; readonly recoveryOptions?: ResolvedSagaRecoveryOptions }): Promise<SagaDriveResult> {
    const id = loaded.id;
    let record: SagaRecord = loaded;
    const saga = this.sagaOf(record.name);
    // Taking a saga over from another worker (whose lease ran out) is a recovery, however this pass was asked for.
    const orphaned = !TERMINAL_SAGA_STATES.has(record.state) && record.leaseOwner !== null && record.leaseOwner !== this.workerId && !this.leasedByOther(record);
    if (mode.recovery || orphaned) {
      if (TERMINAL_SAGA_STATES.has(record.state) || this.leasedByOther(record)) return { record, busy: !TERMINAL_SAGA_STATES.has(record.state) };
      const taken = await this.takeOver(record, mode.recoveryOptions ?? this.options.recovery);
      if (!taken) return { record: (await this.log.load(id)) ?? record, busy: true };
      record = taken;
    }
    for (;;) {
      if (TERMINAL_SAGA_STATES.has(record.state)) return { record, busy: false };
      if (this.abort.signal.aborted || this.leasedByOther(record)) return { record, busy: true };
      const next: SagaRecord | null = record.state === SagaState.Compensating ? await this.backward(saga, record) : await this.forward(saga, record);
      record = next ?? (await this.log.load(id)) ?? record;
    }
  }

  /** Turns a failed (or interrupted) saga back to where it can go on: resumes it, or its compensation. */
  async retry(id: string): Promise<SagaRecord> {
    const record = await this.log.load(id);
    if (!record) throw new SagaNotFoundException(id);
    if (record.state !== SagaState.Failed) throw new SagaConflictException(SAGA_WRONG_STATE(id, record.state, 'retried', SagaState.Failed), id);
    const stuck = record.steps.findIndex((step) => step.status === SagaStepStatus.CompensationFailed);
    const compensating = stuck >= 0 || record.steps.some((step) => step.status === SagaStepStatus.Failed || step.status === SagaStepStatus.Compensated);
    const steps = record.steps.map((step) =>
      step.status === SagaStepStatus.CompensationFailed || step.status === SagaStepStatus.Compensating
        ? { ...step, compensationAttempts: 0 }
        : step.status === SagaStepStatus.Running
          ? { ...step, attempts: 0 }
          : step,
    );
    const changes: SagaLogChanges = { state: compensating ? SagaState.Compensating : SagaState.Running, steps, recoveryAttempts: 0, leaseOwner: null, leaseUntil: 0 };
    return this.writeOrConflict(record, changes);
  }

  /** Turns a running (not owned by a live worker) or failed saga to compensating. */
  async compensate(id: string): Promise<SagaRecord> {
    const record = await this.log.load(id);
    if (!record) throw new SagaNotFoundException(id);
    const allowed = record.state === SagaState.Failed || (record.state === SagaState.Running && !this.leasedByOther(record));
    if (!allowed) throw new SagaConflictException(SAGA_WRONG_STATE(id, record.state, 'compensated', 'failed, or running without a live worker'), id);
    const steps = record.steps.map((step) => (step.status === SagaStepStatus.CompensationFailed ? { ...step, compensationAttempts: 0 } : step));
    return this.writeOrConflict(record, { state: SagaState.Compensating, steps, error: record.error ?? SAGA_COMPENSATION_REQUESTED, recoveryAttempts: 0, leaseOwner: null, leaseUntil: 0 });
  }

  /** Stops driving: retry waits end at once, and the sagas in flight stop after their current step (bounded by `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.abort.abort();
    if (!this.inFlight.size) return;
    const timer = sleep(timeoutMs);
    await Promise.race([Promise.allSettled([...this.inFlight]), timer]);
  }

  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private leasedByOther(record: SagaRecord): boolean {
    return record.leaseOwner !== null && record.leaseOwner !== this.workerId && record.leaseUntil > this.clock();
  }

  private async takeOver(record: SagaRecord, options: ResolvedSagaRecoveryOptions): Promise<SagaRecord | null> {
    const { maxRecoveryAttempts, staleAfterMs } = options;
    if (record.recoveryAttempts >= maxRecoveryAttempts) {
      this.logger.error(`Saga ${record.id} (${record.name}) failed: ${SAGA_RECOVERY_LIMIT(record.recoveryAttempts, record.state)}`);
      return this.write(record, { state: SagaState.Failed, error: SAGA_RECOVERY_LIMIT(record.recoveryAttempts, record.state), leaseOwner: null, leaseUntil: 0 });
    }
    const age = this.clock() - record.updatedAt;
    const stale = record.state === SagaState.Running && age > staleAfterMs;
    const taken = await this.write(record, {
      recoveryAttempts: record.recoveryAttempts + 1,
      ...(stale ? { state: SagaState.Compensating, error: SAGA_STALE(age, staleAfterMs) } : {}),
    });
    if (taken) this.logger.warn(`Resuming saga ${record.id} (${record.name}, ${record.state}, recovery ${taken.recoveryAttempts} of ${maxRecoveryAttempts})${stale ? ': stale, compensating' : ''}`);
    return taken;
  }

  /** The next forward move: complete the saga, fail a spent step, or run the first step not completed. */
  private async forward(saga: CompiledSaga, record: SagaRecord): Promise<SagaRecord | null> {
    const move = planForward(saga, record);
    if (move.kind === 'complete') return this.write(record, terminal(SagaState.Completed));
    const { index } = move;
    const step = saga.steps[index];
    if (move.kind === 'spent') {
      // Every attempt is spent and the last one never reported back: its worker stopped mid-step.
      const error = record.steps[index].error ?? SAGA_STEP_INTERRUPTED(step.name, record.steps[index].attempts);
      return this.write(record, { state: SagaState.Compensating, error, steps: withStep(record.steps, index, { status: SagaStepStatus.Failed, error }) });
    }
    const claimed = record.claimedStep === index ? record : await this.write(record, { steps: claim(record.steps, index, 'act') });
    if (!claimed) return null;
    const attempt = claimed.steps[index].attempts;
    const act = (actor: SagaStep<object>, viaFallback: boolean) =>
      this.inStepTransaction(claimed, step, attempt, 'act', async (context, stepContext) => {
        const call = async () => actor.act(context, stepContext);
        const result = !viaFallback && step.fallback?.breaker ? await step.fallback.breaker.execute(call) : await call();
        const merged = result && typeof result === 'object' ? { ...context, ...result } : context;
        const done = { ...claimed, context: merged, steps: withStep(claimed.steps, index, { status: SagaStepStatus.Completed, error: null, ...(viaFallback ? { fallback: true } : {}) }) };
        // The next move rides on this commit: the next step's attempt is counted, or the saga completes.
        const next = planForward(saga, done);
        if (next.kind === 'run') return { changes: { context: merged, steps: claim(done.steps, next.index, 'act') }, claimedStep: next.index };
        if (next.kind === 'complete') return { changes: { context: merged, steps: done.steps, ...terminal(SagaState.Completed) } };
        return { changes: { context: merged, steps: done.steps } };
      });
    try {
      try {
        return await act(step.step, false);
      } catch (error) {
        const fallback = step.fallback;
        if (error instanceof SagaConflictException || !fallback || !(fallback.applies(error) || fallback.breaker?.isOpen(error))) throw error;
        this.logger.warn(`Saga ${record.id} (${saga.name}): step "${step.name}" ${fallback.breaker?.isOpen(error) ? 'is behind an open circuit breaker' : `failed (${describe(error).split('\n')[0]})`}; its fallback ${fallback.name} acts instead`);
        return await act(fallback.step, true);
      }
    } catch (error) {
      if (error instanceof SagaConflictException) return null;
      const message = describe(error);
      if (attempt < step.retry.maxAttempts && !isNonRetryable(error)) {
        await this.backoff(step.retry, attempt);
        // The error is written with the next attempt's claim.
        return { ...claimed, claimedStep: undefined, steps: withStep(claimed.steps, index, { error: message }) };
      }
      this.logger.warn(`Saga ${record.id} (${saga.name}): ${SAGA_STEP_FAILED(step.name, attempt, message.split('\n')[0])}; compensating`);
      return this.write(claimed, {
        state: SagaState.Compensating,
        error: SAGA_STEP_FAILED(step.name, attempt, message),
        steps: withStep(claimed.steps, index, { status: SagaStepStatus.Failed, error: message }),
      });
    }
  }

  /** The next backward move: end compensated, or compensate the last step whose effect is applied. */
  private async backward(saga: CompiledSaga, record: SagaRecord): Promise<SagaRecord | null> {
    const move = planBackward(saga, record);
    if (move.kind === 'compensated') return this.write(record, terminal(SagaState.Compensated));
    const { index } = move;
    const step = saga.steps[index];
    if (move.kind === 'nothing-to-undo') return this.write(record, { steps: withStep(record.steps, index, { status: SagaStepStatus.Compensated }) });
    if (move.kind === 'spent') {
      const logged = record.steps[index];
      const error = logged.status === SagaStepStatus.Compensating ? SAGA_COMPENSATION_INTERRUPTED(step.name, logged.compensationAttempts) : (record.error ?? '');
      return this.write(record, { ...terminal(SagaState.Failed), error, steps: withStep(record.steps, index, { status: SagaStepStatus.CompensationFailed }) });
    }
    const claimed = record.claimedStep === index ? record : await this.write(record, { steps: claim(record.steps, index, 'compensate') });
    if (!claimed) return null;
    const attempt = claimed.steps[index].compensationAttempts;
    try {
      return await this.inStepTransaction(claimed, step, attempt, 'compensate', async (context, stepContext) => {
        const undo = claimed.steps[index].fallback ? step.fallback!.step : step.step;
        await undo.compensate?.(context, stepContext);
        const done = { ...claimed, steps: withStep(claimed.steps, index, { status: SagaStepStatus.Compensated }) };
        const next = planBackward(saga, done);
        if (next.kind === 'run') return { changes: { steps: claim(done.steps, next.index, 'compensate') }, claimedStep: next.index };
        if (next.kind === 'compensated') return { changes: { steps: done.steps, ...terminal(SagaState.Compensated) } };
        return { changes: { steps: done.steps } };
      });
    } catch (error) {
      if (error instanceof SagaConflictException) return null;
      const message = describe(error);
      if (attempt < step.compensationRetry.maxAttempts) {
        await this.backoff(step.compensationRetry, attempt);
        return { ...claimed, claimedStep: undefined, steps: withStep(claimed.steps, index, { error: message }) };
      }
      const failure = SAGA_COMPENSATION_FAILED(step.name, attempt, message);
      this.logger.error(`Saga ${record.id} (${saga.name}) failed: ${failure.split('\n')[0]}`);
      return this.write(claimed, {
        ...terminal(SagaState.Failed),
        error: failure,
        steps: withStep(claimed.steps, index, { status: SagaStepStatus.CompensationFailed, error: message }),
      });
    }
  }

  /**
   * Runs a step's `act` or `compensate` in a transaction that also writes
   * its events to the outbox and its result to the log (checking the
   * version); a lost race rolls all of it back.
   */
  private async inStepTransaction(
    record: SagaRecord,
    step: CompiledSagaStep,
    attempt: number,
    kind: 'act' | 'compensate',
    work: (context: Record<string, unknown>, stepContext: SagaStepContext) => Promise<{ changes: SagaLogChanges; claimedStep?: number }>,
  ): Promise<SagaRecord> {
    return this.log.transaction(async (manager: EntityManager) => {
      const emitted: NotificationEvent<unknown>[] = [];
      const stepContext: SagaStepContext = {
        sagaId: record.id,
        sagaName: record.name,
        stepName: step.name,
        idempotencyKey: kind === 'act' ? `${record.id}:${step.name}` : `${record.id}:${step.name}:compensate`,
        attempt,
        manager,
        emit: (...events) => {
          if (!this.outbox) throw new ConfigurationException(SAGA_EMIT_WITHOUT_OUTBOX(step.name));
          emitted.push(...events);
        },
      };
      const { changes, claimedStep } = await work(structuredClone(record.context), stepContext);
      if (emitted.length) await this.outbox!.add(manager, emitted);
      const next = await this.write(record, changes, manager);
      if (!next) throw new SagaConflictException(SAGA_LOST_RACE(record.id, step.name), record.id);
      return { ...next, claimedStep };
    });
  }

  private async backoff(policy: RetryPolicy, failedAttempt: number): Promise<void> {
    await sleep(backoffDelay(policy, failedAttempt), this.abort.signal);
  }

  /** One versioned write that also renews this worker's lease (unless `changes` sets it); the record after it, or null if another write came first. */
  private async write(record: SagaRecord, changes: SagaLogChanges, manager?: EntityManager): Promise<SagaRecord | null> {
    const now = this.clock();
    const full: SagaLogChanges = { leaseOwner: this.workerId, leaseUntil: now + this.options.leaseMs, ...changes };
    const ok = await this.log.update(record.id, record.version, full, now, manager);
    if (!ok) return null;
    const next: SagaRecord = { ...record, version: record.version + 1, updatedAt: now, claimedStep: undefined };
    for (const [key, value] of Object.entries(full)) if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
    return next;
  }

  private async writeOrConflict(record: SagaRecord, changes: SagaLogChanges): Promise<SagaRecord> {
    const next = await this.write(record, changes);
    if (!next) throw new SagaConflictException(SAGA_WRONG_STATE(record.id, 'being changed by another worker', 'changed', 'left alone'), record.id);
    return next;
  }
}
