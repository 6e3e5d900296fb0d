import { resolveBackoff, type Backoff } from '../retry/backoff.js';
import { isTransientFailure, type TransientFailureTest } from '../retry/transient-failure.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';

/**
 * How a consumer rides out an outage of what its handlers depend on (the
 * database, a broker): while a handler fails with a transient failure, the
 * consumer keeps the message, takes no other message from its partition or
 * queue, and retries it with `backoff`, without spending the message's
 * attempts and without dead-lettering it. It resumes by itself.
 * @publicApi
 */
export interface OutagePolicy {
  /**
   * How long one message may wait out an outage. Past it the message is
   * handed back to the broker unacknowledged (Kafka: the partition reads it
   * again from its offset; RabbitMQ: nack with requeue), an error is logged,
   * and its next delivery waits again: it is never dead-lettered for an
   * outage. Its attempt count is cleared then, so the redelivery does not
   * spend an attempt (unless the count cannot be cleared because the
   * attempt store's own database is down: then one per redelivery).
   * @default 600_000 (10 min)
   */
  readonly maxWaitMs: number;
  /**
   * Waits between retries during an outage.
   * @default { initialDelayMs: 500, maxDelayMs: 15_000, factor: 2, jitter: 'full' }
   */
  readonly backoff: Backoff;
  /**
   * Which errors are transient failures. Compose the default to add your
   * driver's codes: `(e) => isTransientFailure(e) || myTest(e)`.
   * @default isTransientFailure
   */
  readonly isTransient: TransientFailureTest;
}

/** The outage defaults of every consumer. @publicApi */
export const DEFAULT_OUTAGE_POLICY: OutagePolicy = Object.freeze({
  maxWaitMs: 600_000,
  backoff: Object.freeze({ initialDelayMs: 500, maxDelayMs: 15_000, factor: 2, jitter: 'full' as const }),
  isTransient: isTransientFailure,
});

/** Completes a partial outage policy (`outage` of `EventConsumerModule`) and checks it. */
export function resolveOutagePolicy(policy: { maxWaitMs?: number; backoff?: Partial<Backoff>; isTransient?: TransientFailureTest } | undefined): OutagePolicy {
  const maxWaitMs = policy?.maxWaitMs ?? DEFAULT_OUTAGE_POLICY.maxWaitMs;
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) throw new InvalidOptionException('outage.maxWaitMs', 'zero or more', maxWaitMs);
  const isTransient = policy?.isTransient ?? DEFAULT_OUTAGE_POLICY.isTransient;
  if (typeof isTransient !== 'function') throw new InvalidOptionException('outage.isTransient', 'a function', isTransient);
  return Object.freeze({ maxWaitMs, backoff: resolveBackoff(policy?.backoff, DEFAULT_OUTAGE_POLICY.backoff, 'outage.backoff'), isTransient });
}
