import type { Gauge, Registry as PromRegistry, RegistryContentType } from 'prom-client';
import type { CircuitBreakerState } from '../circuit-breaker/circuit-breaker-options.interface.js';
import { metricOnce, type PromClient } from './prometheus-metrics.js';

/** What the gauge reads at scrape time: `CircuitBreakers` has it. */
export interface CircuitBreakerStatesSource {
  states(): ReadonlyMap<string, CircuitBreakerState>;
}

/** The value of each state: the further from serving calls, the higher (`isolated` is held open by hand). */
const STATE_VALUE: Readonly<Record<CircuitBreakerState, number>> = Object.freeze({ closed: 0, 'half-open': 1, open: 2, isolated: 2 });

/** The apps whose breakers each registry's gauge reports (one gauge per registry, shared like every metric). */
const sourcesOf = new WeakMap<Gauge<'breaker'>, Set<CircuitBreakerStatesSource>>();

/**
 * Registers, once per registry, `cqrs_broker_circuit_breaker_state{breaker}`
 * (0 closed, 1 half-open, 2 open or isolated), read from `breakers.states()`
 * at scrape time, so a breaker shows from bootstrap on (closed: 0) without
 * waiting for a transition, and the value is cockatiel's own: an open
 * breaker turns half-open when a call comes after `halfOpenAfterMs`, not by
 * a timer. Several apps on one registry each add their breakers (a name two
 * of them share shows the last one's). Returns the function that stops
 * reporting `breakers` (the app's shutdown).
 */
export function registerCircuitBreakerGauge(client: PromClient, registry: PromRegistry<RegistryContentType>, breakers: CircuitBreakerStatesSource): () => void {
  const gauge = metricOnce(registry, 'cqrs_broker_circuit_breaker_state', () => {
    const sources = new Set<CircuitBreakerStatesSource>();
    const created: Gauge<'breaker'> = new client.Gauge({
      name: 'cqrs_broker_circuit_breaker_state',
      help: "Circuit breaker state by breaker (the guarded handler's class name): 0 closed, 1 half-open, 2 open.",
      labelNames: ['breaker'] as const,
      registers: [registry],
      collect() {
        // Rebuilt at each scrape: breakers of an app that shut down disappear.
        this.reset();
        for (const source of sources) for (const [breaker, state] of source.states()) this.set({ breaker }, STATE_VALUE[state]);
      },
    });
    sourcesOf.set(created, sources);
    return created;
  });
  // A gauge of that name made by something else (another copy of the library): nothing to add to.
  const sources = sourcesOf.get(gauge);
  if (!sources) return () => undefined;
  sources.add(breakers);
  return () => void sources.delete(breakers);
}
