import type { Type } from '@nestjs/common';
import { resolveCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker-options.interface.js';
import { CircuitBreakers, type CircuitBreaker } from '../circuit-breaker/circuit-breakers.js';
import { loadCockatiel } from '../circuit-breaker/cockatiel.loader.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { SAGA_INVALID } from '../errors/messages.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import type { ResolvedSagaOptions } from './saga-options.resolver.js';
import type { SagaStep, SagaStepEntry, SagaStepType } from './saga-step.interface.js';
import type { SagaDefinition } from './saga.js';

/** A step's fallback ready to run. */
export interface CompiledSagaFallback {
  readonly name: string;
  readonly step: SagaStep<object>;
  /** Whether an error of the step makes the fallback act (and counts for the breaker). */
  readonly applies: (error: unknown) => boolean;
  readonly breaker?: CircuitBreaker;
}

/** One step ready to run: its instance and its settings resolved. */
export interface CompiledSagaStep {
  readonly name: string;
  readonly type: SagaStepType<object>;
  readonly step: SagaStep<object>;
  readonly retry: RetryPolicy;
  readonly compensationRetry: RetryPolicy;
  readonly fallback?: CompiledSagaFallback;
}

/** A saga ready to run: resolved once at bootstrap, read on every step. */
export interface CompiledSaga {
  readonly name: string;
  /** The decorated class, when the saga has one. */
  readonly type?: Function;
  readonly steps: readonly CompiledSagaStep[];
}

/** Extras of {@link compileSaga}. */
export interface CompileSagaExtras {
  /** The decorated saga class. */
  readonly type?: Function;
  /** Where the steps' circuit breakers are registered (the app's, from `CqrsBrokerModule`). @default a registry of its own */
  readonly breakers?: CircuitBreakers;
}

const MAX_NAME = 255;

/**
 * Checks a definition and binds its steps (and fallbacks) to instances
 * (`resolveStep`: the Nest provider, or any instance when built by hand).
 * Loads cockatiel only when a step declares a breaker.
 */
export async function compileSaga(
  definition: SagaDefinition<object>,
  resolveStep: (type: SagaStepType<object>) => SagaStep<object>,
  options: Pick<ResolvedSagaOptions, 'retry' | 'compensationRetry'>,
  extras: CompileSagaExtras = {},
): Promise<CompiledSaga> {
  const invalid = (reason: string) => new ConfigurationException(SAGA_INVALID(definition.name, reason));
  if (typeof definition.name !== 'string' || !definition.name || definition.name.length > MAX_NAME) throw invalid(`needs a name of 1 to ${MAX_NAME} characters`);
  if (!definition.steps?.length) throw invalid('has no steps');
  const resolve = (type: SagaStepType<object>, name: string) => {
    const step = resolveStep(type);
    if (typeof step?.act !== 'function') throw invalid(`has a step ${name} without an act method`);
    return step;
  };
  const steps: CompiledSagaStep[] = [];
  for (const [index, entry] of definition.steps.entries()) {
    const binding = typeof entry === 'function' ? { step: entry as Type<SagaStep<object>> } : (entry as Exclude<SagaStepEntry<object>, Function>);
    if (typeof binding?.step !== 'function') throw invalid(`lists something that is not a step class at position ${index + 1}`);
    const name = binding.name ?? binding.step.name;
    let fallback: CompiledSagaFallback | undefined;
    if (binding.fallback) {
      const { on, breaker } = binding.fallback;
      if (typeof binding.fallback.step !== 'function') throw invalid(`has a fallback of step ${name} that is not a step class`);
      const applies = (error: unknown) => !on?.length || on.some((type) => error instanceof type);
      const fallbackName = binding.fallback.step.name;
      let circuit: CircuitBreaker | undefined;
      if (breaker) {
        const label = `saga "${definition.name}" step "${name}"`;
        const resolved = resolveCircuitBreakerOptions(breaker, `${definition.name}.${name}.fallback.breaker`);
        const cockatiel = await loadCockatiel(label);
        circuit = (extras.breakers ?? new CircuitBreakers()).create(cockatiel, { name: `${definition.name}.${name}`, options: resolved, counts: applies, whileOpen: fallbackName });
      }
      fallback = { name: fallbackName, step: resolve(binding.fallback.step, fallbackName), applies, breaker: circuit };
    }
    steps.push({
      name,
      type: binding.step,
      step: resolve(binding.step, name),
      retry: resolveRetryPolicy(binding.retry, options.retry, `${definition.name}.${name}.retry`),
      compensationRetry: resolveRetryPolicy(binding.compensationRetry, options.compensationRetry, `${definition.name}.${name}.compensationRetry`),
      fallback,
    });
  }
  const names = steps.map((step) => step.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw invalid(`has two steps named "${twice}": give one a name of its own ({ step, name })`);
  return Object.freeze({ name: definition.name, type: extras.type, steps: Object.freeze(steps) });
}
