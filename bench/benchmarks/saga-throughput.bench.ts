// Issue 17: what an orchestrated saga costs next to a plain command doing the same work. A 3-step saga on
// PostgreSQL (each step inserts one row in its own transaction, with its saga-log entry) against a command
// whose handler inserts the same three rows in one transaction; one caller at a time and 16 in flight.
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { CqrsBrokerModule, HandlesRequest, Request, RequestMediator, type RequestHandler } from 'nestjs-cqrs-broker';
import { compileSaga, createSagaLogMigration, resolveSagaOptions, SagaExecutor, SagaLog, SagaMediator, DefineSaga, Saga, type SagaStep, type SagaStepContext } from 'nestjs-cqrs-broker/saga';
import { Table, type DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { uniqueName } from './support/bench-events.js';
import { openDataSource } from './support/databases.js';
import { quietNestLogs } from './support/quiet-logs.js';

const IN_FLIGHT = 16;

const state: { dataSource?: DataSource; app?: INestApplicationContext; sagas?: SagaMediator; commands?: RequestMediator; log?: string; rows?: string } = {};

/** One row per step, as a step with a real effect writes it. */
async function insertRow(manager: { query(sql: string, params: unknown[]): Promise<unknown> }, id: string, step: string): Promise<void> {
  await manager.query(`INSERT INTO "${state.rows}" (id, step) VALUES ($1, $2)`, [id, step]);
}

interface OrderContext {
  order: number;
}

class Reserve implements SagaStep<OrderContext> {
  async act(_context: OrderContext, step: SagaStepContext) {
    await insertRow(step.manager, step.idempotencyKey, 'reserve');
  }
  compensate() {}
}
class Charge extends Reserve {}
class Ship extends Reserve {}

@DefineSaga<OrderContext>({ name: 'bench-order', steps: [Reserve, Charge, Ship] })
class PlaceOrder extends Saga<OrderContext> {}

class PlaceOrderCommand extends Request<void> {
  constructor(readonly order: number) {
    super();
  }
}

@HandlesRequest(PlaceOrderCommand)
@Injectable()
class PlaceOrderHandler implements RequestHandler<PlaceOrderCommand> {
  async handle(): Promise<void> {
    const id = randomUUID();
    await state.dataSource!.transaction(async (manager) => {
      for (const step of ['reserve', 'charge', 'ship']) await insertRow(manager, `${id}:${step}`, step);
    });
  }
}

@Module({ imports: [CqrsBrokerModule.forRoot({})], providers: [PlaceOrderHandler] })
class CommandModule {}

const sagaSide = 'PostgreSQL: 3-step saga (SagaMediator.start)';
const commandSide = 'PostgreSQL: command, the 3 rows in one transaction (RequestMediator.send)';
const sagaParallelSide = `PostgreSQL: 3-step saga, ${IN_FLIGHT} in flight`;
const commandParallelSide = `PostgreSQL: command, ${IN_FLIGHT} in flight`;

// Each loop written out in full (see bench/README.md).
const sides: Side[] = [
  {
    name: sagaSide,
    async run(ops) {
      const sagas = state.sagas!;
      for (let i = 0; i < ops; i++) await sagas.start(PlaceOrder, { order: i });
    },
  },
  {
    name: commandSide,
    async run(ops) {
      const commands = state.commands!;
      for (let i = 0; i < ops; i++) await commands.send(new PlaceOrderCommand(i));
    },
  },
  {
    name: sagaParallelSide,
    async run(ops) {
      const sagas = state.sagas!;
      let next = 0;
      const lane = async () => {
        while (next < ops) await sagas.start(PlaceOrder, { order: next++ });
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    },
  },
  {
    name: commandParallelSide,
    async run(ops) {
      const commands = state.commands!;
      let next = 0;
      const lane = async () => {
        while (next < ops) await commands.send(new PlaceOrderCommand(next++));
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    },
  },
];

export const sagaThroughputBenchmark: Benchmark = {
  name: 'saga',
  description: 'a 3-step saga on PostgreSQL (5 commits: store, first claim, one per step) next to a command doing the same 3 inserts in one transaction',
  packages: ['typeorm', 'pg'],
  sides,
  ratios: [
    { numerator: sagaSide, denominator: commandSide },
    { numerator: sagaParallelSide, denominator: commandParallelSide },
  ],
  size: { rounds: 8, opsPerRound: 200, warmupRounds: 2, warmupOps: 50 },
  quickSize: { rounds: 3, opsPerRound: 40, warmupRounds: 1, warmupOps: 10 },
  unit: { label: 'ms/op', ns: 1e6 },
  perSecond: 'ops',
  goal: 'report sagas/s next to commands/s (no target: a saga trades throughput for durability and compensation)',
  evaluateGoal(result) {
    const perSecond = (name: string) => 1e9 / result.sides.find((side) => side.name === name)!.summary.median;
    const detail = [
      `sequential: ${perSecond(sagaSide).toFixed(0)} sagas/s vs ${perSecond(commandSide).toFixed(0)} commands/s`,
      `${IN_FLIGHT} in flight: ${perSecond(sagaParallelSide).toFixed(0)} sagas/s vs ${perSecond(commandParallelSide).toFixed(0)} commands/s`,
    ].join('; ');
    return { met: true, detail };
  },
  async setup() {
    quietNestLogs();
    state.log = uniqueName('bench_saga_log');
    state.rows = uniqueName('bench_saga_rows');
    const dataSource = (state.dataSource = await openDataSource('postgres', [], IN_FLIGHT + 4));
    const runner = dataSource.createQueryRunner();
    try {
      await new (createSagaLogMigration({ tableName: state.log }))().up(runner);
      await runner.createTable(new Table({ name: state.rows, columns: [{ name: 'id', type: 'varchar', length: '200', isPrimary: true }, { name: 'step', type: 'varchar', length: '16' }] }), true);
    } finally {
      await runner.release();
    }
    const options = resolveSagaOptions({ tableName: state.log });
    const executor = new SagaExecutor({ log: new SagaLog(dataSource, state.log), options });
    const steps = new Map<Function, SagaStep<object>>([
      [Reserve, new Reserve() as SagaStep<object>],
      [Charge, new Charge() as SagaStep<object>],
      [Ship, new Ship() as SagaStep<object>],
    ]);
    executor.register(await compileSaga({ name: 'bench-order', steps: [Reserve, Charge, Ship] }, (type) => steps.get(type)!, options, { type: PlaceOrder }));
    state.sagas = new SagaMediator(executor);
    state.app = await NestFactory.createApplicationContext(CommandModule, { logger: false });
    state.commands = state.app.get(RequestMediator);
  },
  async teardown() {
    await state.app?.close();
    const dataSource = state.dataSource;
    if (dataSource?.isInitialized) {
      for (const table of [state.log, state.rows]) if (table) await dataSource.query(`DROP TABLE IF EXISTS "${table}"`);
      await dataSource.destroy();
    }
  },
};
