import { resolveBackoff, type Backoff } from './backoff.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';

/**
 * A bounded retry: how many attempts in all, and the {@link Backoff} between
 * them. The consumers (`EventConsumerModule`'s `retry`) and the outbox relay
 * (`relay.retry`) take this shape, each with defaults of its own.
 * @publicApi
 */
export interface RetryPolicy extends Backoff {
  /**
   * Attempts in all, the first included (an integer of at least 1).
   */
  readonly maxAttempts: number;
}

/**
 * The consumers' retry defaults: 5 attempts, 200 ms, 400 ms, 800 ms, 1.6 s
 * between them, exact waits.
 * @publicApi
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 'none',
});

/**
 * Completes a partial policy with `defaults` and checks it; `label` names the
 * option in the error.
 */
export function resolveRetryPolicy(policy: Partial<RetryPolicy> | undefined, defaults: RetryPolicy = DEFAULT_RETRY_POLICY, label = 'retry'): RetryPolicy {
  const maxAttempts = policy?.maxAttempts ?? defaults.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidOptionException(`${label}.maxAttempts`, 'an integer >= 1', maxAttempts);
  }
  return Object.freeze({ ...resolveBackoff(policy, defaults, label), maxAttempts });
}
