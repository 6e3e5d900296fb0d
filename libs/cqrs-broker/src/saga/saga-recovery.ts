import { Logger } from '@nestjs/common';
import { sleep } from '../retry/sleep.js';
import type { SagaExecutor } from './saga-executor.js';
import { resolveSagaRecoveryOptions, type ResolvedSagaRecoveryOptions } from './saga-options.resolver.js';
import type { SagaRecoveryOptions } from './saga-options.interface.js';
import type { SagaState } from './saga-state.js';

/** What one look of the recovery worker did. @publicApi */
export interface SagaRecoveryResult {
  /** Interrupted sagas found (lease run out, still running or compensating). */
  readonly found: number;
  /** Sagas this worker took over and drove, by the state they ended in (or were left in when it stopped). */
  readonly resumed: Partial<Record<SagaState, number>>;
  /** Sagas another worker took first. */
  readonly skipped: number;
}

/** Everything a recovery worker needs. @publicApi */
export interface SagaRecoveryDependencies {
  readonly executor: SagaExecutor;
  /** Overrides the executor's `recovery` options. */
  readonly options?: SagaRecoveryOptions;
}

/**
 * Finds sagas whose worker stopped (crashed, killed, or shut down mid-saga)
 * and drives them on. A saga counts as interrupted once its lease has run
 * out while it is running or compensating; the worker takes it over with a
 * versioned write, so of several workers exactly one resumes it. Each take-over
 * counts a recovery attempt: past `maxRecoveryAttempts` the saga ends
 * `failed` instead (never an endless loop), and a running saga last touched
 * more than `staleAfterMs` ago is compensated instead of resumed.
 *
 * Three ways to run it, as the outbox relay: in the app (`SagaModule`,
 * `recovery.enabled`, the default), as a microservice (`SagaRecoveryServer`),
 * or by hand (`start`/`stop`, or one look with `recoverOnce`).
 * @publicApi
 */
export class SagaRecovery {
  readonly options: ResolvedSagaRecoveryOptions;
  private readonly executor: SagaExecutor;
  private readonly logger = new Logger('SagaRecovery');
  private loop?: Promise<void>;
  private abort?: AbortController;

  constructor(dependencies: SagaRecoveryDependencies) {
    this.executor = dependencies.executor;
    this.options = dependencies.options ? resolveSagaRecoveryOptions({ ...this.executor.options.recovery, ...dependencies.options }) : this.executor.options.recovery;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Starts looking every `pollIntervalMs`; does nothing if already running. */
  start(): void {
    if (this.loop) return;
    const abort = (this.abort = new AbortController());
    this.loop = this.run(abort.signal);
    this.logger.log(`Saga recovery ${this.executor.workerId} started on ${this.executor.log.tableName}`);
  }

  /** Stops looking; the sagas being resumed stop after their current step (`SagaExecutor.stop` ends them sooner). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** One look: takes over every interrupted saga of one batch and drives it. */
  async recoverOnce(): Promise<SagaRecoveryResult> {
    const interrupted = await this.executor.log.findInterrupted(Date.now(), this.options.batchSize);
    const resumed: Partial<Record<SagaState, number>> = {};
    let skipped = 0;
    await Promise.all(
      interrupted.map(async (saga) => {
        try {
          const { record, busy } = await this.executor.drive(saga.id, { recovery: true, recoveryOptions: this.options });
          if (busy && record.leaseOwner !== this.executor.workerId) skipped++;
          else resumed[record.state] = (resumed[record.state] ?? 0) + 1;
        } catch (error) {
          this.logger.error(`Resuming saga ${saga.id} (${saga.name}) failed; it is tried again after its lease: ${(error as Error).message}`);
        }
      }),
    );
    return { found: interrupted.length, resumed, skipped };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let full = false;
      try {
        const result = await this.recoverOnce();
        full = result.found >= this.options.batchSize;
      } catch (error) {
        this.logger.error(`Saga recovery look failed: ${(error as Error).message}`);
      }
      if (!full) await sleep(this.options.pollIntervalMs, signal);
    }
  }
}
