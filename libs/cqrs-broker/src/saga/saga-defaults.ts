import type { RetryPolicy } from '../retry/retry-policy.js';

/**
 * The values of every saga default, in one place; what each one means is
 * documented on its option (`SagaModuleOptions`, `SagaRecoveryOptions`).
 * `resolveSagaOptions` is the one reader.
 * @publicApi
 */
export const SAGA_DEFAULTS = Object.freeze({
  tableName: 'saga_log',
  leaseMs: 30_000,
  retry: Object.freeze({ maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 5_000, factor: 2, jitter: 'full' } satisfies RetryPolicy),
  compensationRetry: Object.freeze({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000, factor: 2, jitter: 'full' } satisfies RetryPolicy),
  waitPollMs: 50,
  recovery: Object.freeze({
    enabled: true,
    pollIntervalMs: 5_000,
    batchSize: 20,
    maxRecoveryAttempts: 5,
    staleAfterMs: 24 * 60 * 60 * 1_000,
  }),
});
