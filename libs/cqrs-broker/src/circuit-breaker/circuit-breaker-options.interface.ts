import { InvalidOptionException } from '../errors/invalid-option.exception.js';

/**
 * When a circuit breaker opens and how long it stays open. The breaker counts
 * the failures its owner names (for a fallback: the errors in `on`, or every
 * error); other errors pass through without counting.
 * @publicApi
 */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures that open the breaker (an integer of at least 1). A
   * success resets the count.
   * @default 5
   */
  readonly consecutiveFailures?: number;
  /**
   * How long the breaker stays open, in milliseconds; then it is half-open:
   * the next call tries the guarded handler again (calls that come meanwhile
   * wait for that trial), and its outcome closes the breaker or opens it
   * for another period.
   * @default 30_000
   */
  readonly halfOpenAfterMs?: number;
}

/** {@link CircuitBreakerOptions} with every value set. @publicApi */
export type ResolvedCircuitBreakerOptions = Required<CircuitBreakerOptions>;

/** The defaults of {@link CircuitBreakerOptions}. @publicApi */
export const CIRCUIT_BREAKER_DEFAULTS: ResolvedCircuitBreakerOptions = Object.freeze({
  consecutiveFailures: 5,
  halfOpenAfterMs: 30_000,
});

/**
 * Completes `options` (`true`: every default) and checks it; `label` names
 * the option in the error, e.g. `@HandlesRequest(ReadMeeting).fallback.breaker`.
 */
export function resolveCircuitBreakerOptions(options: CircuitBreakerOptions | true, label: string): ResolvedCircuitBreakerOptions {
  const given = options === true ? {} : options;
  const consecutiveFailures = given.consecutiveFailures ?? CIRCUIT_BREAKER_DEFAULTS.consecutiveFailures;
  if (!Number.isInteger(consecutiveFailures) || consecutiveFailures < 1) {
    throw new InvalidOptionException(`${label}.consecutiveFailures`, 'an integer >= 1', consecutiveFailures);
  }
  const halfOpenAfterMs = given.halfOpenAfterMs ?? CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs;
  if (!Number.isFinite(halfOpenAfterMs) || halfOpenAfterMs < 0) {
    throw new InvalidOptionException(`${label}.halfOpenAfterMs`, 'a finite number >= 0', halfOpenAfterMs);
  }
  return Object.freeze({ consecutiveFailures, halfOpenAfterMs });
}

/**
 * Where a circuit breaker is: `closed` (calls go through), `open` (calls are
 * refused at once; a fallback answers), `half-open` (one trial call goes
 * through). `isolated` is held open by hand (not used by the library itself).
 * @publicApi
 */
export type CircuitBreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** One transition of a circuit breaker, as `CircuitBreakers.onStateChange` reports it. @publicApi */
export interface CircuitBreakerStateChange {
  /** The breaker's name: the class name of the handler it guards. */
  readonly name: string;
  readonly previous: CircuitBreakerState;
  readonly state: CircuitBreakerState;
}
