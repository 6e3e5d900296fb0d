import type { SagaExecutor } from './saga-executor.js';
import type { SagaListQuery } from './saga-log.js';
import { sagaMermaid, type SagaDiagramKind } from './saga-mermaid.js';
import { snapshotOf, type SagaSnapshot } from './saga-record.js';
import type { SagaState } from './saga-state.js';
import { SagaNotFoundException } from '../errors/saga-not-found.exception.js';

/**
 * Looks into the saga log and repairs it: list sagas by state, show one with
 * its steps, retry a failed one, compensate one. Retry and compensate only
 * change the log (state, attempt budget, lease released); a worker that has
 * the saga registered drives it: this process at once, otherwise the
 * recovery worker of an app at its next look. The `cqrs-broker saga` CLI
 * uses it.
 * @publicApi
 */
export class SagaAdmin {
  constructor(private readonly executor: SagaExecutor) {}

  /** Sagas, most recently updated first. */
  async list(query: SagaListQuery = {}): Promise<SagaSnapshot[]> {
    return (await this.executor.log.list(query)).map((record) => snapshotOf(record));
  }

  /** How many sagas are in each state. */
  counts(): Promise<Partial<Record<SagaState, number>>> {
    return this.executor.log.countByState();
  }

  /** One saga with its steps; {@link SagaNotFoundException} if the id is unknown. */
  async show(id: string): Promise<SagaSnapshot> {
    const record = await this.executor.log.load(id);
    if (!record) throw new SagaNotFoundException(id);
    return snapshotOf(record);
  }

  /**
   * Gives a `failed` saga a new budget: a compensation that failed is tried
   * again (its attempts reset), a saga the recovery gave up on goes on where
   * it was. `SagaConflictException` for a saga in another state.
   */
  async retry(id: string): Promise<SagaSnapshot> {
    return this.drive(await this.executor.retry(id));
  }

  /** Turns a `failed` saga, or a running one no live worker owns, to compensating. */
  async compensate(id: string): Promise<SagaSnapshot> {
    return this.drive(await this.executor.compensate(id));
  }

  /** A Mermaid diagram of the saga stored under `name`, from its latest run's steps (each drawn as undoable). */
  async diagram(name: string, kind: SagaDiagramKind = 'sequence'): Promise<string | null> {
    const [latest] = await this.executor.log.list({ name, limit: 1 });
    if (!latest) return null;
    return sagaMermaid({ name, steps: latest.steps.map((step) => ({ name: step.name, compensates: true })) }, kind);
  }

  private drive(record: Parameters<typeof snapshotOf>[0]): SagaSnapshot {
    if (this.executor.sagas.some((saga) => saga.name === record.name)) this.executor.runInBackground(record.id);
    return snapshotOf(record);
  }
}
