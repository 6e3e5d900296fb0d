import { InvalidOptionException } from '../errors/invalid-option.exception.js';

/**
 * How long to wait between attempts: exponential, capped, optionally
 * jittered. One vocabulary for every part that retries (the outbox relay,
 * the consumers, and later sagas); each part documents its own defaults.
 * @publicApi
 */
export interface Backoff {
  /**
   * Wait after the first failed attempt.
   */
  readonly initialDelayMs: number;
  /**
   * Upper bound of one wait.
   */
  readonly maxDelayMs: number;
  /**
   * Each wait is the previous one times this (at least 1).
   * @default 2
   */
  readonly factor: number;
  /**
   * `full`: each wait is drawn from [50 %, 100 %) of the exponential value, so
   * many retriers that failed together do not retry together. `none`: exact.
   * @default 'none'
   */
  readonly jitter: BackoffJitter;
}

/** Whether a {@link Backoff} spreads its waits. @publicApi */
export type BackoffJitter = 'none' | 'full';

/**
 * Completes a partial backoff with `defaults` and checks it; `label` names
 * the option in the error (e.g. `"retry"`, `"relay.retry"`).
 */
export function resolveBackoff(backoff: Partial<Backoff> | undefined, defaults: Backoff, label: string): Backoff {
  const defined = Object.fromEntries(Object.entries(backoff ?? {}).filter(([, value]) => value !== undefined));
  const resolved: Backoff = { ...defaults, ...defined };
  for (const key of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) {
      throw new InvalidOptionException(`${label}.${key}`, 'zero or more', resolved[key]);
    }
  }
  if (!Number.isFinite(resolved.factor) || resolved.factor < 1) {
    throw new InvalidOptionException(`${label}.factor`, '1 or more', resolved.factor);
  }
  if (resolved.jitter !== 'none' && resolved.jitter !== 'full') {
    throw new InvalidOptionException(`${label}.jitter`, "'none' or 'full'", resolved.jitter);
  }
  return Object.freeze(resolved);
}

/** Wait after the given failed attempt (1-based): initial·factor^(attempt−1), capped, then jittered. @publicApi */
export function backoffDelay(backoff: Backoff, failedAttempt: number): number {
  const exponential = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** Math.max(0, failedAttempt - 1));
  return backoff.jitter === 'full' ? Math.round(exponential * (0.5 + Math.random() / 2)) : exponential;
}
