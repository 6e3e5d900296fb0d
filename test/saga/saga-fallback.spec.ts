import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CircuitBreakers, TimeoutException } from 'nestjs-cqrs-broker';
import { SagaState, SagaStepStatus, type SagaStep, type SagaStepFallback } from 'nestjs-cqrs-broker/saga';
import { connect, databases, dropTable, uniqueTable } from '../outbox/databases.js';
import { buildExecutor, createSagaLog, FAST_RETRY } from './saga-harness.js';

interface PaymentContext {
  amount: number;
  failAt?: 'Ship';
  paidBy?: string;
}

class Charge implements SagaStep<PaymentContext> {
  acts = 0;
  compensations = 0;
  failWith?: () => Error;
  act() {
    this.acts++;
    if (this.failWith) throw this.failWith();
    return { paidBy: 'card' };
  }
  compensate() {
    this.compensations++;
  }
}
class InvoiceLater extends Charge {
  override act() {
    this.acts++;
    return { paidBy: 'invoice' };
  }
}
class Ship implements SagaStep<PaymentContext> {
  act(context: PaymentContext) {
    if (context.failAt === 'Ship') throw new Error('no courier');
  }
}

describe.each(databases)('saga step fallbacks and circuit breakers on $name', (db) => {
  const tableName = uniqueTable('saga_fb');
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await connect(db);
    await createSagaLog(dataSource, tableName);
  });
  afterAll(async () => {
    await dropTable(dataSource, tableName);
    await dataSource?.destroy();
  });

  async function setup(fallback: Omit<SagaStepFallback<PaymentContext>, 'step'>, breakers?: CircuitBreakers) {
    const charge = new Charge();
    const invoice = new InvoiceLater();
    const executor = await buildExecutor(
      dataSource,
      [{ name: 'pay', steps: [{ step: Charge, fallback: { step: InvoiceLater, ...fallback } }, Ship] } as never],
      new Map<Function, SagaStep<object>>([
        [Charge, charge as SagaStep<object>],
        [InvoiceLater, invoice as SagaStep<object>],
        [Ship, new Ship() as SagaStep<object>],
      ]),
      { tableName, retry: { ...FAST_RETRY, maxAttempts: 2 }, breakers },
    );
    const pay = async (context: PaymentContext) => {
      const id = randomUUID();
      await executor.create(executor.sagaOf('pay'), id, context);
      return executor.run(id);
    };
    return { charge, invoice, pay };
  }

  it('a step failing with an error in `on` is done by its fallback, in the same attempt', async () => {
    const { charge, invoice, pay } = await setup({ on: [TimeoutException] });
    charge.failWith = () => new TimeoutException('card gateway timed out', 100);
    const saga = await pay({ amount: 10 });
    expect(saga.state).toBe(SagaState.Completed);
    expect(saga.context.paidBy).toBe('invoice');
    expect(saga.steps[0]).toMatchObject({ name: 'Charge', status: SagaStepStatus.Completed, attempts: 1, fallback: true });
    expect([charge.acts, invoice.acts]).toEqual([1, 1]);
  });

  it('an error not in `on` is the step\'s own failure: retried, then compensated, and the fallback never acts', async () => {
    const { charge, invoice, pay } = await setup({ on: [TimeoutException] });
    charge.failWith = () => new RangeError('card declined');
    const saga = await pay({ amount: 10 });
    expect(saga.state).toBe(SagaState.Compensated);
    expect(saga.steps[0]).toMatchObject({ status: SagaStepStatus.Failed, attempts: 2 });
    expect([charge.acts, invoice.acts]).toEqual([2, 0]);
  });

  it('a step its fallback completed is compensated by the fallback', async () => {
    const { charge, invoice, pay } = await setup({});
    charge.failWith = () => new Error('gateway down');
    const saga = await pay({ amount: 10, failAt: 'Ship' });
    expect(saga.state).toBe(SagaState.Compensated);
    expect([charge.compensations, invoice.compensations]).toEqual([0, 1]);
  });

  it('the breaker opens after consecutive failures: then the fallback acts at once, without calling the step', async () => {
    const breakers = new CircuitBreakers();
    const { charge, invoice, pay } = await setup({ on: [TimeoutException], breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } }, breakers);
    charge.failWith = () => new TimeoutException('card gateway timed out', 100);
    const sagas = [];
    for (let i = 0; i < 4; i++) sagas.push(await pay({ amount: i }));
    expect(sagas.map((saga) => [saga.state, saga.context.paidBy])).toEqual(sagas.map(() => [SagaState.Completed, 'invoice']));
    expect(charge.acts).toBe(2);
    expect(invoice.acts).toBe(4);
    expect(breakers.stateOf('pay.Charge')).toBe('open');
  });
});
