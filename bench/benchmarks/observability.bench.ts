import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { context, propagation, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { AlwaysOnSampler, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Registry } from 'prom-client';
import { CqrsBrokerModule, HandlesRequest, Request, RequestMediator, type MessageBroker, type RequestHandler } from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import type { DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';
import { eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { CountingBroker } from './support/counting-broker.js';
import { analyze, dropTable, openOutboxDataSource, seedBacklog, truncate, waitUntilDrained } from './support/databases.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { AmqpSink } from './support/raw-clients.js';
import { AMQP_URL } from './support/services.js';

// The same request on every dispatch side: add two numbers, asynchronously.
class AddRequest extends Request<number> {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {
    super();
  }
}

@HandlesRequest(AddRequest)
@Injectable()
class AddRequestHandler implements RequestHandler<AddRequest> {
  async handle(request: AddRequest): Promise<number> {
    return request.a + request.b;
  }
}

/** Takes the SDK's batches and drops them: what is measured is recording spans, not a collector. */
class DroppingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode }) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

type Mode = 'off' | 'tracing' | 'metrics' | 'both';
const MODES: readonly Mode[] = ['off', 'tracing', 'metrics', 'both'];
const MODE_LABEL: Record<Mode, string> = { off: 'off', tracing: 'tracing (SDK, always-on)', metrics: 'metrics (prom-client)', both: 'tracing + metrics' };
const dispatchSide = (mode: Mode) => `RequestMediator.send, ${MODE_LABEL[mode]}`;
const relaySide = (mode: Mode) => `relay PostgreSQL → RabbitMQ, ${MODE_LABEL[mode]}`;
const BATCH_SIZE = 100;
const RELAY_GOAL = 0.9;
/** The relay sides drain 20,000 events per round (100,000 × 0.2): an event there costs far more than a dispatch. */
const RELAY_OPS_FACTOR = 0.2;

const state: {
  apps: Partial<Record<Mode, INestApplicationContext>>;
  mediators: Partial<Record<Mode, RequestMediator>>;
  provider?: NodeTracerProvider;
  exporter?: DroppingExporter;
  dataSource?: DataSource;
  table?: string;
  template?: EventTemplate;
  exchange?: string;
  sink?: AmqpSink;
  broker?: MessageBroker;
} = { apps: {}, mediators: {} };

function check(side: string, sum: number, ops: number): void {
  const expected = (ops * (ops + 1)) / 2;
  if (sum !== expected) throw new Error(`${side}: sum ${sum}, expected ${expected}`);
}

/** The instrumentation the app resolved for `mode` (the mediator holds it; null when off), handed to a relay built by hand. */
const instrumentationOf = (mode: Mode) => (state.mediators[mode] as unknown as { tracing: ConstructorParameters<typeof OutboxRelay>[0]['tracing'] }).tracing;

const relayRun =
  (mode: Mode): Side['run'] =>
  async (ops) => {
    const dataSource = state.dataSource!;
    await truncate(dataSource, state.table!);
    await seedBacklog(dataSource, state.table!, state.template!, 1, ops);
    await analyze(dataSource, state.table!);
    await state.sink!.purge();
    const broker = new CountingBroker(state.broker!);
    const relay = new OutboxRelay({
      dialect: createOutboxDialect(dataSource, state.table!),
      broker,
      wakeup: new OutboxWakeup(),
      listen: false,
      options: { batchSize: BATCH_SIZE, pollIntervalMs: 100 },
      tracing: instrumentationOf(mode),
    });
    const published = broker.expect(ops);
    const t0 = process.hrtime.bigint();
    relay.start();
    await published;
    await waitUntilDrained(dataSource, state.table!, 300_000, 5);
    const elapsed = Number(process.hrtime.bigint() - t0);
    await relay.stop();
    return elapsed;
  };

// Dispatch loops written out per side (see bench/README.md: a shared loop turns polymorphic).
export const observabilityBenchmark: Benchmark = {
  name: 'observability',
  description: `What tracing (the OpenTelemetry Node SDK registered, always-on sampler, batch processor into an exporter that drops the spans) and metrics (prom-client, own registry) cost, each off and on in the same run: RequestMediator.send of one request to a singleton async handler (no events), and the relay draining a backlog of pending rows from PostgreSQL to RabbitMQ (batch size ${BATCH_SIZE}, persistent messages into a durable exchange with one bound queue, purged before each run; backlog seeded in SQL, not timed).`,
  packages: ['nestjs-cqrs-broker', '@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/sdk-trace-node', 'prom-client', 'typeorm', 'pg', 'amqplib'],
  unit: { label: 'µs/op', ns: 1e3 },
  size: { rounds: 5, opsPerRound: 100_000, warmupRounds: 1, warmupOps: 5_000 },
  quickSize: { rounds: 2, opsPerRound: 5_000, warmupRounds: 1 },
  sides: [
    {
      name: dispatchSide('off'),
      async run(ops) {
        const mediator = state.mediators.off!;
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await mediator.send(new AddRequest(i, 1));
        check(dispatchSide('off'), sum, ops);
      },
    },
    {
      name: dispatchSide('tracing'),
      async run(ops) {
        const mediator = state.mediators.tracing!;
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await mediator.send(new AddRequest(i, 1));
        check(dispatchSide('tracing'), sum, ops);
      },
    },
    {
      name: dispatchSide('metrics'),
      async run(ops) {
        const mediator = state.mediators.metrics!;
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await mediator.send(new AddRequest(i, 1));
        check(dispatchSide('metrics'), sum, ops);
      },
    },
    {
      name: dispatchSide('both'),
      async run(ops) {
        const mediator = state.mediators.both!;
        let sum = 0;
        for (let i = 0; i < ops; i++) sum += await mediator.send(new AddRequest(i, 1));
        check(dispatchSide('both'), sum, ops);
      },
    },
    ...MODES.map((mode) => ({ name: relaySide(mode), opsFactor: RELAY_OPS_FACTOR, run: relayRun(mode) })),
  ],
  ratios: [
    ...MODES.filter((m) => m !== 'off').map((mode) => ({ numerator: dispatchSide(mode), denominator: dispatchSide('off') })),
    ...MODES.filter((m) => m !== 'off').map((mode) => ({ numerator: relaySide(mode), denominator: relaySide('off') })),
  ],
  goal: `The relay with tracing and metrics on publishes at least ${RELAY_GOAL}× its events/s with both off; dispatch cost per request stated.`,
  evaluateGoal(result) {
    const rates = MODES.filter((m) => m !== 'off').map((mode) => ({ mode, rate: 1 / ratioResult(result, relaySide(mode), relaySide('off')).ofMedians }));
    const median = (side: string) => result.sides.find((s) => s.name === side)!.summary.median;
    const extra = MODES.filter((m) => m !== 'off').map((mode) => `${MODE_LABEL[mode]} +${((median(dispatchSide(mode)) - median(dispatchSide('off'))) / 1e3).toFixed(2)} µs/request`);
    return {
      met: rates.every(({ rate }) => rate >= RELAY_GOAL),
      detail: `relay events/s vs off: ${rates.map(({ mode, rate }) => `${MODE_LABEL[mode]} ${rate.toFixed(2)}×`).join(', ')} (target ≥ ${RELAY_GOAL}×); dispatch: ${extra.join(', ')} (difference of medians).`,
    };
  },
  async setup() {
    quietNestLogs();
    state.exporter = new DroppingExporter();
    state.provider = new NodeTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new BatchSpanProcessor(state.exporter, { maxQueueSize: 65_536, maxExportBatchSize: 2_048, scheduledDelayMillis: 200 })] });
    state.provider.register();
    for (const mode of MODES) {
      const options = { tracing: mode === 'tracing' || mode === 'both', metrics: mode === 'metrics' || mode === 'both' ? { registry: new Registry() } : false };
      @Module({ imports: [CqrsBrokerModule.forRoot(options)], providers: [AddRequestHandler] })
      class ObservedModule {}
      const app = await NestFactory.createApplicationContext(ObservedModule, { logger: false });
      state.apps[mode] = app;
      state.mediators[mode] = app.get(RequestMediator);
    }
    state.template = eventTemplate(uniqueName('bench_observed'));
    state.table = uniqueName('bench_outbox');
    state.dataSource = await openOutboxDataSource('postgres', state.table);
    state.exchange = uniqueName('bench.observed');
    state.sink = await AmqpSink.open(state.exchange, uniqueName('bench.observed.q'));
    state.broker = new AmqpMessageBroker({ url: AMQP_URL, exchange: state.exchange, connectionName: 'bench-observed' });
  },
  async teardown() {
    await state.broker?.close?.();
    await state.sink?.close();
    if (state.dataSource) {
      await dropTable(state.dataSource, state.table!);
      await state.dataSource.destroy();
    }
    for (const app of Object.values(state.apps)) await app?.close();
    state.apps = {};
    state.mediators = {};
    await state.provider?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  },
};
