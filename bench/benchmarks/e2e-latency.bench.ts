// Issue 5, item 5: HTTP command accepted → consumer handler ran, at a light
// steady load, with the relay woken after each commit vs polling only.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Body, Controller, HttpCode, Inject, Injectable, Module, Post, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CqrsBrokerModule,
  HandlesRequest,
  InMemoryMessageBroker,
  NotificationEvent,
  Request,
  RequestMediator,
  type BrokerMessage,
  type RequestHandler,
} from 'nestjs-cqrs-broker';
import { createOutboxDialect, OutboxModule, OutboxRelay, OutboxTransaction, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import { EntitySchema, type DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { quantile } from '../harness/stats.js';
import { uniqueName } from './support/bench-events.js';
import { dropTable, openOutboxDataSource } from './support/databases.js';
import { epochNow, type LoadDone, type LoadRun } from './support/load-generator.js';
import { latencySummary, ms } from './support/percentiles.js';
import { quietNestLogs } from './support/quiet-logs.js';

const RATE_PER_SECOND = 100;
const POLL_INTERVAL_MS = 1_000;
const GOAL_P99_MS = 25;
const WAKEUP = 'after-commit wake-up';
const POLLING = `polling only (every ${POLL_INTERVAL_MS} ms)`;

interface E2eConfig {
  readonly orders: string;
  readonly topic: string;
}
const E2E_CONFIG = Symbol('e2e-config');

class PlaceOrder extends Request {
  constructor(readonly seq: number) {
    super();
  }
}

@HandlesRequest(PlaceOrder)
@Injectable()
class PlaceOrderHandler implements RequestHandler<PlaceOrder> {
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(E2E_CONFIG) private readonly config: E2eConfig,
  ) {}

  handle({ seq }: PlaceOrder): Promise<void> {
    return this.outbox.run(async (tx) => {
      await tx.manager.query(`INSERT INTO "${this.config.orders}" (id, customer) VALUES ($1, $2)`, [seq, 'customer-42']);
      tx.add(new NotificationEvent({ eventName: 'order_placed', topic: this.config.topic, payload: { seq }, key: `order-${seq % 1000}` }));
    });
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly mediator: RequestMediator) {}

  @Post()
  @HttpCode(202)
  async place(@Body() body: { seq: number }): Promise<void> {
    await this.mediator.send(new PlaceOrder(body.seq));
  }
}

function ordersEntity(tableName: string) {
  return new EntitySchema<{ id: number; customer: string }>({
    name: `E2eOrder:${tableName}`,
    tableName,
    columns: { id: { type: Number, primary: true }, customer: { type: String, length: 64 } },
  });
}

@Module({})
class E2eAppModule {
  static forRoot(dataSource: DataSource, broker: InMemoryMessageBroker, config: E2eConfig, wakeUp: boolean): DynamicModule {
    return {
      module: E2eAppModule,
      imports: [
        CqrsBrokerModule.forRoot({ broker }),
        OutboxModule.forRoot({
          dataSource,
          tableName: `${config.orders}_outbox`,
          // Polling only: no relay attached to the commit subscriber, no NOTIFY/LISTEN; the app runs its own (below).
          notify: wakeUp,
          relay: { enabled: wakeUp, pollIntervalMs: POLL_INTERVAL_MS },
        }),
      ],
      controllers: [OrdersController],
      providers: [PlaceOrderHandler, { provide: E2E_CONFIG, useValue: config }],
    };
  }
}

interface E2eApp {
  readonly app: INestApplication;
  readonly dataSource: DataSource;
  readonly config: E2eConfig;
  readonly url: string;
  /** A relay woken by nothing but its poll timer (polling side only). */
  readonly pollingRelay?: OutboxRelay;
  /** When the consumer handled each command of the current run, by sequence number (epoch ms). */
  readonly handledAt: Map<number, number>;
  pending: number;
  onIdle?: () => void;
}

const apps = new Map<string, E2eApp>();
const LOAD_GENERATOR = fileURLToPath(new URL('./support/load-generator.js', import.meta.url));
let loadGenerator: ChildProcess | undefined;
const allLatencies = new Map<string, number[]>();
/** Request sent → HTTP 202 received: the command's own share (transaction and commit included). */
const allResponseTimes = new Map<string, number[]>();
let nextSeq = 1;

async function startApp(side: string, wakeUp: boolean): Promise<E2eApp> {
  const orders = uniqueName('bench_e2e');
  const config: E2eConfig = { orders, topic: `${orders}_events` };
  const dataSource = await openOutboxDataSource('postgres', `${orders}_outbox`, [ordersEntity(orders)], 10);
  const broker = new InMemoryMessageBroker();
  const app = await NestFactory.create(E2eAppModule.forRoot(dataSource, broker, config, wakeUp), { logger: ['warn', 'error'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const state: E2eApp = { app, dataSource, config, url: `http://127.0.0.1:${address.port}/orders`, handledAt: new Map(), pending: 0 };
  // The consumer: an in-process handler on the topic, recording when each event arrived.
  broker.subscribe(config.topic, (message: BrokerMessage) => {
    const handledAt = epochNow();
    const seq = (JSON.parse(message.body.toString()) as { payload: { seq: number } }).payload.seq;
    if (state.handledAt.has(seq)) return;
    state.handledAt.set(seq, handledAt);
    if (--state.pending === 0) state.onIdle?.();
  });
  if (!wakeUp) {
    const relay = new OutboxRelay({
      dialect: createOutboxDialect(dataSource, `${orders}_outbox`),
      broker,
      wakeup: new OutboxWakeup(), // attached to no commit subscriber: only the poll timer wakes it
      listen: false,
      options: { pollIntervalMs: POLL_INTERVAL_MS },
    });
    relay.start();
    Object.assign(state, { pollingRelay: relay });
  }
  apps.set(side, state);
  return state;
}

/** Runs `ops` commands through the load generator process; resolves with its send and response times. */
function generateLoad(run: LoadRun): Promise<LoadDone> {
  return new Promise((resolve, reject) => {
    const child = loadGenerator!;
    const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (done: LoadDone) => {
      child.off('exit', onExit);
      resolve(done);
    });
    child.send(run);
  });
}

/** Sends `ops` commands at RATE_PER_SECOND from the load generator (open loop), waits until every event was handled. */
function steadyRun(side: string): Side['run'] {
  return async (ops, { warmup }) => {
    const state = apps.get(side)!;
    state.handledAt.clear();
    state.pending = ops;
    const idle = new Promise<void>((resolve) => (state.onIdle = resolve));
    const firstSeq = nextSeq;
    nextSeq += ops;
    const load = await generateLoad({ type: 'run', url: state.url, ratePerSecond: RATE_PER_SECOND, firstSeq, count: ops });
    if (load.errors.length) throw new Error(`${side}: ${load.errors.length} commands failed, first: ${load.errors[0]}`);
    const timeout = setTimeout(() => state.onIdle?.(), POLL_INTERVAL_MS * 10);
    await idle;
    clearTimeout(timeout);
    const latencies: number[] = [];
    for (let i = 0; i < ops; i++) {
      const handledAt = state.handledAt.get(firstSeq + i);
      if (handledAt !== undefined) latencies.push(handledAt - load.sentAt[i]);
    }
    if (latencies.length < ops) throw new Error(`${side}: ${ops - latencies.length} of ${ops} events never reached the consumer`);
    if (!warmup) {
      allLatencies.set(side, [...(allLatencies.get(side) ?? []), ...latencies]);
      allResponseTimes.set(side, [...(allResponseTimes.get(side) ?? []), ...load.responseMs]);
    }
    // The figure of a round: its median latency (per op, so the harness's ns/op is that median).
    return quantile(latencies, 0.5) * 1e6 * ops;
  };
}

export const e2eLatencyBenchmark: Benchmark = {
  name: 'e2e-latency',
  description: `HTTP POST accepted by a Nest app → consumer handler ran, at a steady ${RATE_PER_SECOND} commands/s (open loop, keep-alive fetch from a load-generator process of its own, so the client shares neither event loop nor heap with the app). The command handler inserts a row and an outbox event in one PostgreSQL transaction (OutboxTransaction); the in-process relay publishes to the in-memory broker, whose subscriber is the consumer handler. Latency is from just before the request is sent to the handler's first line (epoch clocks of the two processes). Sides: the relay woken after each commit (OutboxModule defaults) vs a relay woken only by its ${POLL_INTERVAL_MS} ms poll (no commit subscriber, notify off).`,
  packages: ['nestjs-cqrs-broker', '@nestjs/core', '@nestjs/platform-express', 'typeorm', 'pg'],
  unit: { label: 'ms (median latency of the round)', ns: 1e6 },
  size: { rounds: 5, opsPerRound: 300, warmupRounds: 1 },
  quickSize: { rounds: 3, opsPerRound: 100, warmupRounds: 1 },
  sides: [
    { name: WAKEUP, run: steadyRun(WAKEUP) },
    { name: POLLING, run: steadyRun(POLLING) },
  ],
  ratios: [{ numerator: WAKEUP, denominator: POLLING }],
  goal: `p99 latency at most ${GOAL_P99_MS} ms with the after-commit wake-up.`,
  extraTables() {
    return [
      {
        title: 'Accepted → handled latency over all measured commands (ms)',
        header: ['side', 'commands', 'p50', 'p90', 'p99', 'max'],
        rows: [...allLatencies].map(([side, values]) => {
          const s = latencySummary(values);
          return [side, String(s.count), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
        }),
      },
      {
        title: 'For comparison: request sent → HTTP 202 received (ms), the command and its commit without the relay',
        header: ['side', 'commands', 'p50', 'p90', 'p99', 'max'],
        rows: [...allResponseTimes].map(([side, values]) => {
          const s = latencySummary(values);
          return [side, String(s.count), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
        }),
      },
    ];
  },
  evaluateGoal() {
    const p99 = latencySummary(allLatencies.get(WAKEUP) ?? []).p99;
    return { met: p99 <= GOAL_P99_MS, detail: `p99 with wake-up ${ms(p99)} ms, target ≤ ${GOAL_P99_MS} ms.` };
  },
  async setup() {
    quietNestLogs();
    allLatencies.clear();
    allResponseTimes.clear();
    loadGenerator = fork(LOAD_GENERATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await startApp(WAKEUP, true);
    await startApp(POLLING, false);
  },
  async teardown() {
    for (const state of apps.values()) {
      await state.pollingRelay?.stop();
      await state.app.close();
      await dropTable(state.dataSource, state.config.orders);
      await dropTable(state.dataSource, `${state.config.orders}_outbox`);
      await state.dataSource.destroy();
    }
    apps.clear();
    loadGenerator?.send({ type: 'exit' });
    loadGenerator?.kill();
    loadGenerator = undefined;
  },
};
