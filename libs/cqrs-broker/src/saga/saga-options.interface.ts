import type { DataSource } from 'typeorm';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { SagaType } from './saga.js';

/** How the recovery worker finds and resumes interrupted sagas. @publicApi */
export interface SagaRecoveryOptions {
  /**
   * Run the worker inside the app. Turn it off in processes that should only
   * start sagas, and run it with `SagaRecoveryServer` or by hand instead.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Pause between two looks for interrupted sagas.
   * @default 5000
   */
  readonly pollIntervalMs?: number;
  /**
   * Interrupted sagas taken per look (oldest update first).
   * @default 20
   */
  readonly batchSize?: number;
  /**
   * Times the worker resumes one saga. A saga the worker took over this many
   * times (its process kept dying on it) ends `failed`, with the reason
   * kept: never an endless loop.
   * @default 5
   */
  readonly maxRecoveryAttempts?: number;
  /**
   * A saga interrupted while running and last updated longer ago than this
   * is not resumed forward: the worker compensates it instead (a meeting
   * room held for a day should not suddenly be booked).
   * @default 86400000 (24 h)
   */
  readonly staleAfterMs?: number;
}

/** Options of `SagaModule`. @publicApi */
export interface SagaModuleOptions {
  /** The data source of the saga log and of the steps' transactions. @default the app's `DataSource` */
  readonly dataSource?: DataSource;
  /**
   * `table` or `schema.table` of the saga log.
   * @default 'saga_log'
   */
  readonly tableName?: string;
  /** Sagas bound explicitly, besides the `@DefineSaga` classes found among the providers. */
  readonly sagas?: readonly SagaType[];
  /**
   * How long a worker owns a saga after each write to its log. Another
   * worker (or the recovery) takes it over only after that, so keep it longer
   * than a step runs plus its retry waits.
   * @default 30000
   */
  readonly leaseMs?: number;
  /**
   * Attempts of a step's `act` (crashes and recoveries count) and the waits
   * between them; a step may override it.
   * @default { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 'full' }
   */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Attempts of a step's `compensate` and the waits between them; after the
   * last one the saga is `failed`.
   * @default { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10000, factor: 2, jitter: 'full' }
   */
  readonly compensationRetry?: Partial<RetryPolicy>;
  /** The recovery worker. */
  readonly recovery?: SagaRecoveryOptions;
  /**
   * The name this process writes as a saga's lease owner.
   * @default `<host>:<pid>:<random>`
   */
  readonly workerId?: string;
}
