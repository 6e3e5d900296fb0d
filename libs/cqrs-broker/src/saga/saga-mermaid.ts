import type { SagaStepEntry } from './saga-step.interface.js';
import { getSagaDefinition, type SagaDefinition, type SagaType } from './saga.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { SAGA_NOT_DEFINED } from '../errors/messages.js';

/** A saga as a diagram needs it: its steps, whether each can be undone, and their fallbacks. @publicApi */
export interface SagaDiagramSpec {
  readonly name: string;
  readonly steps: readonly { readonly name: string; readonly compensates: boolean; readonly fallback?: string }[];
}

/** Which Mermaid diagram: the messages between the saga and its steps, or the saga's states. @publicApi */
export type SagaDiagramKind = 'sequence' | 'state';

const hasCompensate = (type: Function) => typeof (type.prototype as { compensate?: unknown })?.compensate === 'function';

/** The diagram spec of a saga class or definition (steps by their log names). */
export function sagaDiagramSpec(saga: SagaType | SagaDefinition<object> | SagaDiagramSpec): SagaDiagramSpec {
  if (typeof saga === 'function') {
    const definition = getSagaDefinition(saga);
    if (!definition) throw new ConfigurationException(SAGA_NOT_DEFINED(saga.name));
    return sagaDiagramSpec(definition);
  }
  if (saga.steps.every((step) => typeof step === 'object' && 'compensates' in step)) return saga as SagaDiagramSpec;
  return {
    name: saga.name,
    steps: (saga.steps as readonly SagaStepEntry<object>[]).map((entry) => {
      const binding = typeof entry === 'function' ? { step: entry } : entry;
      return { name: binding.name ?? binding.step.name, compensates: hasCompensate(binding.step), fallback: binding.fallback?.step.name };
    }),
  };
}

/** Mermaid ids: letters, digits and underscores. */
const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const label = (text: string) => text.replace(/[;:#"]/g, ' ');

/**
 * A Mermaid diagram of a saga, from its class (`@DefineSaga`), its
 * definition, or a {@link SagaDiagramSpec} (what the admin CLI reads from the
 * log). `sequence`: the saga log, each step's act in order, fallbacks, and
 * the compensations in reverse when a step fails; `state`: the states a saga
 * goes through, step by step, to completed, compensated or failed.
 *
 * @example
 * console.log(sagaMermaid(BookMeeting, 'state'));
 * @publicApi
 */
export function sagaMermaid(saga: SagaType | SagaDefinition<object> | SagaDiagramSpec, kind: SagaDiagramKind = 'sequence'): string {
  const spec = sagaDiagramSpec(saga);
  return (kind === 'state' ? stateDiagram(spec) : sequenceDiagram(spec)).join('\n') + '\n';
}

function sequenceDiagram(spec: SagaDiagramSpec): string[] {
  const lines = ['sequenceDiagram', `  participant Saga as ${label(spec.name)}`, '  participant Log as saga log'];
  for (const step of spec.steps) {
    lines.push(`  participant ${id(step.name)} as ${label(step.name)}`);
    if (step.fallback) lines.push(`  participant ${id(step.fallback)}_fallback as ${label(step.fallback)} (fallback)`);
  }
  lines.push('  Saga->>Log: store (running)');
  for (const step of spec.steps) {
    lines.push(`  Saga->>${id(step.name)}: act (retried with backoff)`);
    if (step.fallback) {
      lines.push(`  alt ${label(step.name)} fails, or its breaker is open`);
      lines.push(`    Saga->>${id(step.fallback)}_fallback: act`);
      lines.push('  end');
    }
    lines.push(`  Saga->>Log: ${label(step.name)} completed + context (same transaction)`);
  }
  lines.push('  Saga->>Log: completed');
  const undoable = spec.steps.filter((step) => step.compensates);
  lines.push('  opt a step fails after its last attempt');
  lines.push('    Saga->>Log: compensating');
  for (const step of [...undoable].reverse()) lines.push(`    Saga->>${id(step.name)}: compensate (if completed)`);
  lines.push('    Saga->>Log: compensated, or failed if a compensation keeps failing');
  lines.push('  end');
  return lines;
}

function stateDiagram(spec: SagaDiagramSpec): string[] {
  const lines = ['stateDiagram-v2'];
  const steps = spec.steps;
  for (const step of steps) lines.push(`  state "${label(step.name)}" as ${id(step.name)}`);
  for (const step of steps) if (step.compensates) lines.push(`  state "undo ${label(step.name)}" as undo_${id(step.name)}`);
  lines.push('  state "completed" as Completed', '  state "compensated" as Compensated', '  state "failed (needs a human)" as Failed');
  lines.push(`  [*] --> ${id(steps[0].name)}`);
  /** Where compensation starts once the steps before `index` completed: the last of them that can be undone. */
  const undoFrom = (index: number) => {
    const before = steps.slice(0, index).filter((step) => step.compensates);
    return before.length ? `undo_${id(before[before.length - 1].name)}` : 'Compensated';
  };
  steps.forEach((step, index) => {
    const next = index + 1 < steps.length ? id(steps[index + 1].name) : 'Completed';
    lines.push(`  ${id(step.name)} --> ${next}: completed${step.fallback ? ` (or by ${label(step.fallback)})` : ''}`);
    lines.push(`  ${id(step.name)} --> ${undoFrom(index)}: failed`);
  });
  steps.forEach((step, index) => {
    if (!step.compensates) return;
    lines.push(`  undo_${id(step.name)} --> ${undoFrom(index)}: compensated`);
    lines.push(`  undo_${id(step.name)} --> Failed: compensation failed`);
  });
  lines.push('  Completed --> [*]', '  Compensated --> [*]', '  Failed --> [*]');
  return lines;
}
