import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { SAGA_NO_DATA_SOURCE } from '../errors/messages.js';
import { parseTableName } from '../outbox/outbox-database.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import { SAGA_DEFAULTS } from './saga-defaults.js';
import type { SagaModuleOptions, SagaRecoveryOptions } from './saga-options.interface.js';

/** Recovery options with every default filled in and checked. @publicApi */
export type ResolvedSagaRecoveryOptions = Readonly<Required<SagaRecoveryOptions>>;

/** Saga options with every default filled in and checked: what every part of the saga module reads. @publicApi */
export interface ResolvedSagaOptions {
  readonly tableName: string;
  readonly leaseMs: number;
  readonly retry: RetryPolicy;
  readonly compensationRetry: RetryPolicy;
  readonly recovery: ResolvedSagaRecoveryOptions;
  readonly workerId: string;
  readonly waitPollMs: number;
}

const positive = (label: string, value: number) => {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidOptionException(label, 'a positive number', value);
};

/**
 * Completes saga options with {@link SAGA_DEFAULTS} and checks them, so a
 * wrong value fails at startup; the result is frozen.
 */
export function resolveSagaOptions(options: Omit<SagaModuleOptions, 'dataSource' | 'sagas'> = {}): ResolvedSagaOptions {
  const tableName = options.tableName ?? SAGA_DEFAULTS.tableName;
  parseTableName(tableName);
  const leaseMs = options.leaseMs ?? SAGA_DEFAULTS.leaseMs;
  positive('leaseMs', leaseMs);
  const workerId = options.workerId ?? `${hostname().slice(0, 80)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  if (workerId.length > 128) throw new InvalidOptionException('workerId', 'at most 128 characters', workerId);
  return Object.freeze({
    tableName,
    leaseMs,
    retry: resolveRetryPolicy(options.retry, SAGA_DEFAULTS.retry, 'retry'),
    compensationRetry: resolveRetryPolicy(options.compensationRetry, SAGA_DEFAULTS.compensationRetry, 'compensationRetry'),
    recovery: resolveSagaRecoveryOptions(options.recovery),
    workerId,
    waitPollMs: SAGA_DEFAULTS.waitPollMs,
  });
}

/** Completes recovery options with `SAGA_DEFAULTS.recovery` and checks them. */
export function resolveSagaRecoveryOptions(options: SagaRecoveryOptions = {}): ResolvedSagaRecoveryOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SagaRecoveryOptions;
  const resolved = { ...SAGA_DEFAULTS.recovery, ...defined };
  positive('recovery.pollIntervalMs', resolved.pollIntervalMs);
  positive('recovery.staleAfterMs', resolved.staleAfterMs);
  for (const key of ['batchSize', 'maxRecoveryAttempts'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new InvalidOptionException(`recovery.${key}`, 'an integer >= 1', resolved[key]);
  }
  return Object.freeze(resolved);
}

/** The data source of the saga log: the option's, else the app's. */
export function sagaDataSourceOf(options: SagaModuleOptions, appDataSource?: DataSource): DataSource {
  const dataSource = options.dataSource ?? appDataSource;
  if (!dataSource) throw new ConfigurationException(SAGA_NO_DATA_SOURCE);
  return dataSource;
}
