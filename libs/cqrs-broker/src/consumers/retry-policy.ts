/**
 * How often a consumer retries a message whose handler failed, and how long
 * it waits between attempts (exponential backoff), before dead-lettering it.
 * @publicApi
 */
export interface RetryPolicy {
  /** Handler attempts in all, the first included. Default 5. */
  readonly maxAttempts: number;
  /** Wait before the second attempt. Default 200 ms. */
  readonly initialDelayMs: number;
  /** Upper bound of one wait. Default 10 s. */
  readonly maxDelayMs: number;
  /** Each wait is the previous one times this. Default 2. */
  readonly factor: number;
}

/** @publicApi */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  factor: 2,
});

/** Completes a partial policy with the defaults and checks it. */
export function resolveRetryPolicy(policy: Partial<RetryPolicy> = {}): RetryPolicy {
  const resolved = { ...DEFAULT_RETRY_POLICY, ...policy };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${resolved.maxAttempts}`);
  }
  if (resolved.initialDelayMs < 0 || resolved.maxDelayMs < 0 || resolved.factor < 1) {
    throw new RangeError('retry delays must be >= 0 and retry.factor >= 1');
  }
  return resolved;
}

/** Wait after the given failed attempt (1-based). */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (failedAttempt - 1));
}
