import type { Type } from '@nestjs/common';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { SAGA_INVALID } from '../errors/messages.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import type { ResolvedSagaOptions } from './saga-options.resolver.js';
import type { SagaStep, SagaStepEntry, SagaStepType } from './saga-step.interface.js';
import type { SagaDefinition } from './saga.js';

/** One step ready to run: its instance and its settings resolved. */
export interface CompiledSagaStep {
  readonly name: string;
  readonly type: SagaStepType<object>;
  readonly step: SagaStep<object>;
  readonly retry: RetryPolicy;
  readonly compensationRetry: RetryPolicy;
}

/** A saga ready to run: resolved once at bootstrap, read on every step. */
export interface CompiledSaga {
  readonly name: string;
  /** The decorated class, when the saga has one. */
  readonly type?: Function;
  readonly steps: readonly CompiledSagaStep[];
}

const MAX_NAME = 255;

/**
 * Checks a definition and binds its steps to instances (`resolveStep`: the
 * Nest provider, or any instance when built by hand).
 */
export function compileSaga(
  definition: SagaDefinition<object>,
  resolveStep: (type: SagaStepType<object>) => SagaStep<object>,
  options: Pick<ResolvedSagaOptions, 'retry' | 'compensationRetry'>,
  type?: Function,
): CompiledSaga {
  const invalid = (reason: string) => new ConfigurationException(SAGA_INVALID(definition.name, reason));
  if (typeof definition.name !== 'string' || !definition.name || definition.name.length > MAX_NAME) throw invalid(`needs a name of 1 to ${MAX_NAME} characters`);
  if (!definition.steps?.length) throw invalid('has no steps');
  const steps = definition.steps.map((entry: SagaStepEntry<object>, index) => {
    const binding = typeof entry === 'function' ? { step: entry as Type<SagaStep<object>> } : entry;
    if (typeof binding?.step !== 'function') throw invalid(`lists something that is not a step class at position ${index + 1}`);
    const name = binding.name ?? binding.step.name;
    const step = resolveStep(binding.step);
    if (typeof step?.act !== 'function') throw invalid(`has a step ${name} without an act method`);
    return {
      name,
      type: binding.step,
      step,
      retry: resolveRetryPolicy(binding.retry, options.retry, `${definition.name}.${name}.retry`),
      compensationRetry: resolveRetryPolicy(binding.compensationRetry, options.compensationRetry, `${definition.name}.${name}.compensationRetry`),
    };
  });
  const names = steps.map((step) => step.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw invalid(`has two steps named "${twice}": give one a name of its own ({ step, name })`);
  return Object.freeze({ name: definition.name, type, steps: Object.freeze(steps) });
}
