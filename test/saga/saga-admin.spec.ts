import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SagaAdmin, SagaConflictException, SagaNotFoundException, SagaRecovery, SagaState, SagaStepStatus, sagaMermaid, DefineSaga, Saga, type SagaStep } from 'nestjs-cqrs-broker/saga';
import { builtCli, LOG_LINE, runCli } from '../cli/cli-harness.js';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { buildExecutor, createSagaLog, FAST_RETRY } from './saga-harness.js';

interface RefundContext {
  order: string;
  failAt?: 'Notify';
}

class Refund implements SagaStep<RefundContext> {
  broken = true;
  compensations = 0;
  act() {}
  compensate() {
    this.compensations++;
    if (this.broken) throw new Error('payment provider is down');
  }
}
class Restock implements SagaStep<RefundContext> {
  act() {}
}
class Notify implements SagaStep<RefundContext> {
  act(context: RefundContext) {
    if (context.failAt === 'Notify') throw new Error('mailer rejected the address');
  }
}

@DefineSaga({ name: 'refund-order', steps: [Refund, Restock, { step: Notify, name: 'notify-customer' }] })
class RefundOrder extends Saga<RefundContext> {}

/** The URL the CLI takes for a test database (SQLite: its file). */
function urlOf(dataSource: DataSource): string {
  const options = dataSource.options as { type: string; url?: string; database?: string };
  return options.type === 'better-sqlite3' ? `sqlite:${options.database}` : options.url!;
}

describe('saga diagrams from code', () => {
  it('draw the sequence: the log, each step in order, and the compensations in reverse (steps without compensate are skipped)', () => {
    const mermaid = sagaMermaid(RefundOrder, 'sequence');
    expect(mermaid.split('\n')[0]).toBe('sequenceDiagram');
    const acts = mermaid.split('\n').filter((line) => line.includes(': act'));
    expect(acts.map((line) => line.trim().split(':')[0])).toEqual(['Saga->>Refund', 'Saga->>Restock', 'Saga->>notify_customer']);
    const compensations = mermaid.split('\n').filter((line) => line.includes('compensate (if completed)'));
    expect(compensations.map((line) => line.trim().split(':')[0])).toEqual(['Saga->>Refund']);
  });

  it('draw the states: each step leads to the next or to the undo of the last undoable step before it', () => {
    const mermaid = sagaMermaid(RefundOrder, 'state');
    expect(mermaid).toContain('stateDiagram-v2');
    expect(mermaid).toContain('  [*] --> Refund');
    expect(mermaid).toContain('  Refund --> Compensated: failed');
    expect(mermaid).toContain('  notify_customer --> undo_Refund: failed');
    expect(mermaid).toContain('  notify_customer --> Completed: completed');
    expect(mermaid).toContain('  undo_Refund --> Failed: compensation failed');
  });
});

describe.each(databases)('saga admin on $name', (db) => {
  const tableName = uniqueTable('saga_adm');
  let dataSource: DataSource;
  const refund = new Refund();
  let admin: SagaAdmin;
  let failedId: string;
  let completedId: string;
  let orphanId: string;

  beforeAll(async () => {
    dataSource = await connect(db);
    await createSagaLog(dataSource, tableName);
    const instances = new Map<Function, SagaStep<object>>([
      [Refund, refund as SagaStep<object>],
      [Restock, new Restock() as SagaStep<object>],
      [Notify, new Notify() as SagaStep<object>],
    ]);
    const options = { tableName, retry: { ...FAST_RETRY, maxAttempts: 1 }, compensationRetry: { ...FAST_RETRY, maxAttempts: 2 } };
    const executor = await buildExecutor(dataSource, [{ name: 'refund-order', steps: [Refund, Restock, { step: Notify, name: 'notify-customer' }] } as never], instances, options);
    admin = new SagaAdmin(executor);
    const start = async (context: RefundContext) => {
      const id = randomUUID();
      await executor.create(executor.sagaOf('refund-order'), id, context);
      await executor.run(id);
      return id;
    };
    failedId = await start({ order: 'o-1', failAt: 'Notify' });
    completedId = await start({ order: 'o-2' });
    // A saga stored by a worker that died before running anything.
    const dead = await buildExecutor(dataSource, [{ name: 'refund-order', steps: [Refund, Restock, { step: Notify, name: 'notify-customer' }] } as never], instances, { ...options, workerId: 'dead', leaseMs: 1 });
    orphanId = randomUUID();
    await dead.create(dead.sagaOf('refund-order'), orphanId, { order: 'o-3' });
  });
  afterAll(async () => {
    await dropTable(dataSource, tableName);
    await dataSource?.destroy();
  });

  it('lists sagas by state and shows one with its steps', async () => {
    expect((await admin.list({ state: SagaState.Failed })).map((saga) => saga.id)).toEqual([failedId]);
    expect((await admin.list({ state: SagaState.Completed })).map((saga) => saga.id)).toEqual([completedId]);
    expect(await admin.counts()).toEqual({ failed: 1, completed: 1, running: 1 });
    const failed = await admin.show(failedId);
    expect(failed.steps.map((step) => [step.name, step.status, step.attempts, step.compensationAttempts])).toEqual([
      ['Refund', SagaStepStatus.CompensationFailed, 1, 2],
      ['Restock', SagaStepStatus.Compensated, 1, 0],
      ['notify-customer', SagaStepStatus.Failed, 1, 0],
    ]);
    expect(failed.error).toContain('payment provider is down');
    await expect(admin.show('no-such-saga')).rejects.toBeInstanceOf(SagaNotFoundException);
  });

  it('retries a failed saga once its cause is fixed: the compensation runs again and the saga ends compensated', async () => {
    await expect(admin.retry(completedId)).rejects.toBeInstanceOf(SagaConflictException);
    refund.broken = false;
    const before = refund.compensations;
    expect((await admin.retry(failedId)).state).toBe(SagaState.Compensating);
    let saga = await admin.show(failedId);
    for (let i = 0; i < 200 && saga.state === SagaState.Compensating; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      saga = await admin.show(failedId);
    }
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.steps[0]).toMatchObject({ status: SagaStepStatus.Compensated, compensationAttempts: 1 });
    expect(refund.compensations).toBe(before + 1);
  });

  it('compensates a running saga no live worker owns; refuses a completed one', async () => {
    await expect(admin.compensate(completedId)).rejects.toBeInstanceOf(SagaConflictException);
    expect((await admin.compensate(orphanId)).state).toBe(SagaState.Compensating);
    let saga = await admin.show(orphanId);
    for (let i = 0; i < 200 && saga.state === SagaState.Compensating; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      saga = await admin.show(orphanId);
    }
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.error).toBe('Compensation requested by an admin.');
    expect(saga.steps.every((step) => step.attempts === 0)).toBe(true);
  });

  // The CLI's database layer is the outbox commands' (tested the same way); one server and SQLite keep this short.
  if (db.name === 'mariadb') return;
  describe('the cqrs-broker saga CLI (a child process of the compiled package)', () => {
    let cli: string;
    // Compiles the library once per source version: minutes on a loaded machine.
    beforeAll(() => {
      cli = builtCli();
    }, 600_000);
    const saga = (...args: string[]) => runCli(cli, ['saga', ...args, '--table', tableName], { DATABASE_URL: urlOf(dataSource) });

    it('list --state and show print JSON alone on stdout; an unknown id exits 3', async () => {
      const listed = await saga('list', '--state', 'completed', '--json');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).map((s: { id: string }) => s.id)).toEqual([completedId]);
      expect(listed.stdout).not.toMatch(LOG_LINE);
      const shown = await saga('show', completedId, '--json');
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: completedId, state: 'completed', steps: [{ name: 'Refund' }, { name: 'Restock' }, { name: 'notify-customer' }] });
      expect((await saga('show', 'no-such-saga')).code).toBe(3);
      expect((await saga('list', '--state', 'sleeping')).code).toBe(2);
    }, 240_000);

    it('retry and compensate change the log for the app\'s recovery to drive; diagram draws the saga from the log', async () => {
      const orphan = randomUUID();
      const dead = await buildExecutor(dataSource, [{ name: 'refund-order', steps: [Refund, Restock, { step: Notify, name: 'notify-customer' }] } as never], new Map([[Refund, refund as SagaStep<object>], [Restock, new Restock() as SagaStep<object>], [Notify, new Notify() as SagaStep<object>]]), { tableName, workerId: 'dead', leaseMs: 1 });
      await dead.create(dead.sagaOf('refund-order'), orphan, { order: 'o-4' });
      const compensated = await saga('compensate', orphan, '--json');
      expect(compensated.code).toBe(0);
      expect(JSON.parse(compensated.stdout)).toMatchObject({ id: orphan, state: 'compensating' });
      expect((await saga('retry', completedId)).code).toBe(1);
      // The app's recovery worker picks it up.
      await new SagaRecovery({ executor: dead }).recoverOnce();
      expect((await admin.show(orphan)).state).toBe(SagaState.Compensated);
      const diagram = await saga('diagram', 'refund-order', '--kind', 'state');
      expect(diagram.code).toBe(0);
      expect(diagram.stdout).toContain('stateDiagram-v2');
      expect(diagram.stdout).toContain('notify_customer --> undo_Restock: failed');
      expect((await saga('diagram', 'no-such-saga')).code).toBe(3);
    }, 240_000);
  });
});
