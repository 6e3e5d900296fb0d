import { Injectable, Logger } from '@nestjs/common';
import { CIRCUIT_BREAKER_CLOSED, CIRCUIT_BREAKER_HALF_OPEN, CIRCUIT_BREAKER_OPENED } from '../errors/messages.js';
import type { CircuitBreakerState, CircuitBreakerStateChange, ResolvedCircuitBreakerOptions } from './circuit-breaker-options.interface.js';
import type { Cockatiel } from './cockatiel.loader.js';

/** A breaker as its owner uses it (built once, at bootstrap). */
export interface CircuitBreaker {
  readonly name: string;
  readonly state: CircuitBreakerState;
  /**
   * Runs `call` through the breaker: while open, rejects at once with an
   * error for which `isOpen` is true; a rejection of `call` counts as a
   * failure when the breaker's filter accepts it, and propagates either way.
   */
  execute<T>(call: () => Promise<T>): Promise<T>;
  /** Whether `error` is the breaker refusing a call (open or isolated), not the call's own failure. */
  isOpen(error: unknown): boolean;
}

/** What a breaker's owner tells it: which errors count, and how to describe the open state in the log. */
export interface CircuitBreakerSpec {
  readonly name: string;
  readonly options: ResolvedCircuitBreakerOptions;
  /** Whether an error of the guarded call counts as a failure. */
  readonly counts: (error: unknown) => boolean;
  /** Who answers while the breaker is open, for the log line (e.g. the fallback handler's name). */
  readonly whileOpen: string;
}

type Listener = (change: CircuitBreakerStateChange) => void;

/** `Name: message` of an error for a log line; a subclass that kept the name `Error` goes by its class name. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name === 'Error' && error.constructor !== Error ? error.constructor.name : error.name;
  return `${name}: ${error.message}`;
}

/**
 * Every circuit breaker of the app (one per handler that declares a fallback
 * with a `breaker`), built at bootstrap on cockatiel. Logs each transition
 * (open as a warning, half-open and closed as info) and reports it to
 * {@link CircuitBreakers.onStateChange} listeners; {@link CircuitBreakers.states}
 * and {@link CircuitBreakers.stateOf} read the current states, e.g. for a
 * health indicator or a gauge.
 *
 * @example
 * const breakers = app.get(CircuitBreakers);
 * breakers.stateOf(ReadMeetingHandler); // 'closed' | 'open' | 'half-open' | 'isolated'
 * breakers.onStateChange(({ name, state }) => gauge.set({ breaker: name }, state === 'open' ? 1 : 0));
 * @publicApi
 */
@Injectable()
export class CircuitBreakers {
  private readonly logger = new Logger('CqrsBroker');
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly listeners = new Set<Listener>();

  /** The state of every breaker, by name (the guarded handler's class name). */
  states(): ReadonlyMap<string, CircuitBreakerState> {
    return new Map([...this.breakers].map(([name, breaker]) => [name, breaker.state]));
  }

  /** The state of the breaker guarding `handler` (a class or its name); `undefined` when it has none. */
  stateOf(handler: string | (abstract new (...args: never[]) => object)): CircuitBreakerState | undefined {
    return this.breakers.get(typeof handler === 'string' ? handler : handler.name)?.state;
  }

  /**
   * Calls `listener` on every transition of every breaker, after the log
   * line. Returns a function that removes the listener. A listener that
   * throws is logged and does not affect the call that made the transition.
   */
  onStateChange(listener: (change: CircuitBreakerStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Builds a breaker (at bootstrap, once per guarded handler). @internal */
  create(cockatiel: Cockatiel, spec: CircuitBreakerSpec): CircuitBreaker {
    const { circuitBreaker, handleWhen, ConsecutiveBreaker, CircuitState, BrokenCircuitError, IsolatedCircuitError } = cockatiel;
    const policy = circuitBreaker(handleWhen(spec.counts), {
      halfOpenAfter: spec.options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(spec.options.consecutiveFailures),
    });
    const stateName = (state: number): CircuitBreakerState =>
      state === CircuitState.Open ? 'open' : state === CircuitState.HalfOpen ? 'half-open' : state === CircuitState.Isolated ? 'isolated' : 'closed';
    let name = spec.name;
    for (let n = 2; this.breakers.has(name); n++) name = `${spec.name} (${n})`;
    let previous: CircuitBreakerState = 'closed';
    policy.onStateChange((next) => {
      const state = stateName(next);
      if (state === 'open') {
        const last = policy.lastFailure;
        const cause = last && 'error' in last ? describeError(last.error) : 'unknown';
        this.logger.warn(CIRCUIT_BREAKER_OPENED(name, spec.options.consecutiveFailures, cause, spec.whileOpen, spec.options.halfOpenAfterMs));
      } else if (state === 'half-open') {
        this.logger.log(CIRCUIT_BREAKER_HALF_OPEN(name));
      } else if (state === 'closed') {
        this.logger.log(CIRCUIT_BREAKER_CLOSED(name));
      }
      const change: CircuitBreakerStateChange = { name, previous, state };
      previous = state;
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          this.logger.error(`A circuit breaker state listener failed: ${(error as Error)?.message ?? error}`, (error as Error)?.stack);
        }
      }
    });
    const breaker: CircuitBreaker = {
      name,
      get state() {
        return stateName(policy.state);
      },
      execute: (call) => policy.execute(call),
      isOpen: (error) => error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError,
    };
    this.breakers.set(name, breaker);
    return breaker;
  }
}
