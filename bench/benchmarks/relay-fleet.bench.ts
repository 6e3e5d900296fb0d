// Issue 5, items 6 and 7: relays as separate processes draining a backlog on
// PostgreSQL, publishing to the in-memory broker (so the figures are the
// relay's and the database's, not a broker's): peak memory of one relay over
// a large backlog, and one relay vs three sharing the table.
import type { DataSource } from 'typeorm';
import type { Benchmark } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';
import { eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { analyze, dropTable, openOutboxDataSource, pendingCount, seedBacklog, truncate } from './support/databases.js';
import { perSecond } from './support/percentiles.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { RELAY_NODE_FLAGS, runFleet, type FleetRun } from './support/relay-fleet.js';
import type { BenchDatabase } from './support/services.js';

const DB: BenchDatabase = 'postgres';
const BATCH_SIZE = 100;
const MEMORY_GOAL_MB = 200;
const SCALE_GOAL = 2;

interface FleetState {
  template?: EventTemplate;
  table?: string;
  dataSource?: DataSource;
  runs: Map<string, FleetRun[]>;
}

async function openFleetState(state: FleetState, prefix: string): Promise<void> {
  quietNestLogs();
  state.template = eventTemplate(uniqueName(prefix));
  state.table = uniqueName('bench_outbox');
  state.dataSource = await openOutboxDataSource(DB, state.table, [], 2);
  state.runs = new Map();
}

async function closeFleetState(state: FleetState): Promise<void> {
  if (!state.dataSource) return;
  await dropTable(state.dataSource, state.table!);
  await state.dataSource.destroy();
  state.dataSource = undefined;
}

/** Seeds `ops` rows, runs `count` relay processes until nothing is pending; returns the elapsed ns. */
async function drainWith(state: FleetState, side: string, count: number, ops: number, warmup: boolean, progress?: (text: string) => void): Promise<number> {
  const dataSource = state.dataSource!;
  await truncate(dataSource, state.table!);
  await seedBacklog(dataSource, state.table!, state.template!, 1, ops);
  await analyze(dataSource, state.table!);
  const run = await runFleet(count, { db: DB, table: state.table!, broker: 'memory', batchSize: BATCH_SIZE }, ops, async () => (await pendingCount(dataSource, state.table!)) === 0, {
    pollMs: 20,
    onProgress: progress && ((published) => progress(`${side}: ${published.toLocaleString('en-US')}/${ops.toLocaleString('en-US')} published`)),
  });
  const published = run.relays.reduce((sum, r) => sum + r.published, 0);
  if (published < ops) throw new Error(`${side}: ${published} of ${ops} events published`);
  if (!warmup) {
    if (!state.runs.has(side)) state.runs.set(side, []);
    state.runs.get(side)!.push(run);
  }
  return run.elapsedNs;
}

const memoryState: FleetState = { runs: new Map() };
const MEMORY_SIDE = `1 relay process, PostgreSQL → in-memory broker`;
const mb = (kib: number) => kib / 1024;

/** Progress lines for long drains: the harness prints per round only. */
const progressLine = (text: string) => process.stderr.isTTY && process.stderr.write(`\r[relay-memory] ${text}   `);

export const relayMemoryBenchmark: Benchmark = {
  name: 'relay-memory',
  description: `Peak resident memory (VmHWM of the relay's own process) while one relay drains a large backlog from ${DB === 'postgres' ? 'PostgreSQL' : 'MariaDB'}, batch size ${BATCH_SIZE}, to the in-memory broker (no subscriber: the broker keeps nothing). The relay runs with \`node ${RELAY_NODE_FLAGS.join(' ')}\`, as the sample's relay does (\`npm run relay\`, docker-compose.yml).`,
  packages: ['nestjs-cqrs-broker', 'typeorm', 'pg'],
  unit: { label: 'µs/event', ns: 1e3 },
  perSecond: 'events',
  size: { rounds: 1, opsPerRound: 1_000_000, warmupRounds: 0 },
  quickSize: { rounds: 1, opsPerRound: 20_000, warmupRounds: 0 },
  sides: [{ name: MEMORY_SIDE, run: (ops, { warmup }) => drainWith(memoryState, MEMORY_SIDE, 1, ops, warmup, progressLine) }],
  goal: `Peak RSS of the relay process at most ${MEMORY_GOAL_MB} MB.`,
  extraTables() {
    const runs = memoryState.runs.get(MEMORY_SIDE) ?? [];
    return [
      {
        title: 'Relay process memory (MB = 2^20 bytes)',
        header: ['run', 'events', 'RSS when ready', 'peak RSS (VmHWM)', 'peak RSS sampled by parent', 'RSS at end', 'heap used at end', 'CPU user+sys s'],
        rows: runs.map((run, i) => {
          const r = run.relays[0];
          return [
            String(i + 1),
            r.published.toLocaleString('en-US'),
            mb(run.readyRssKiB[0]).toFixed(0),
            mb(r.peakRssKiB).toFixed(0),
            mb(run.sampledPeakRssKiB[0]).toFixed(0),
            mb(r.rssKiB).toFixed(0),
            mb(r.heapUsedKiB).toFixed(0),
            ((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(1),
          ];
        }),
      },
    ];
  },
  evaluateGoal(result) {
    const runs = memoryState.runs.get(MEMORY_SIDE) ?? [];
    const peak = Math.max(...runs.map((run) => mb(run.relays[0].peakRssKiB)));
    return {
      met: peak <= MEMORY_GOAL_MB,
      detail: `peak RSS ${peak.toFixed(0)} MB while draining ${result.opsPerRound.toLocaleString('en-US')} rows, target ≤ ${MEMORY_GOAL_MB} MB${result.opsPerRound < 1_000_000 ? ' (a scaled-down run: the goal names 1,000,000 rows; nothing extrapolated)' : ''}.`,
    };
  },
  setup: () => openFleetState(memoryState, 'bench_memory'),
  teardown: () => closeFleetState(memoryState),
};

const scaleState: FleetState = { runs: new Map() };
const ONE = '1 relay process';
const THREE = '3 relay processes';

export const relayScaleOutBenchmark: Benchmark = {
  name: 'relay-scale-out',
  description: `One relay process vs three relay processes sharing one outbox table on PostgreSQL (leases with FOR UPDATE SKIP LOCKED), draining the same backlog, batch size ${BATCH_SIZE}, to the in-memory broker; time until nothing is pending. Each run starts fresh processes (start-up not timed: they report ready first).`,
  packages: ['nestjs-cqrs-broker', 'typeorm', 'pg'],
  unit: { label: 'µs/event', ns: 1e3 },
  perSecond: 'events',
  size: { rounds: 3, opsPerRound: 30_000, warmupRounds: 0 },
  quickSize: { rounds: 2, opsPerRound: 5_000, warmupRounds: 0 },
  sides: [
    { name: ONE, run: (ops, { warmup }) => drainWith(scaleState, ONE, 1, ops, warmup) },
    { name: THREE, run: (ops, { warmup }) => drainWith(scaleState, THREE, 3, ops, warmup) },
  ],
  ratios: [{ numerator: THREE, denominator: ONE }],
  goal: `Three relays drain at least ${SCALE_GOAL}× the events/s of one.`,
  extraTables() {
    return [
      {
        title: 'Events published per relay process (each measured run)',
        header: ['side', 'run', 'per relay', 'events/s'],
        rows: [...scaleState.runs].flatMap(([side, runs]) =>
          runs.map((run, i) => {
            const total = run.relays.reduce((sum, r) => sum + r.published, 0);
            return [side, String(i + 1), run.relays.map((r) => r.published.toLocaleString('en-US')).join(' / '), perSecond(total / (run.elapsedNs / 1e9))];
          }),
        ),
      },
    ];
  },
  evaluateGoal(result) {
    const speedup = 1 / ratioResult(result, THREE, ONE).ofMedians;
    return { met: speedup >= SCALE_GOAL, detail: `3 relays = ${speedup.toFixed(2)}× the events/s of one (inverse of the ratio of median times), target ≥ ${SCALE_GOAL}×.` };
  },
  setup: () => openFleetState(scaleState, 'bench_scale'),
  teardown: () => closeFleetState(scaleState),
};
