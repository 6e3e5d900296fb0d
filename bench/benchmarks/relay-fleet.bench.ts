// Issue 5, items 6 and 7, and issue 15, item 4: relays as separate processes
// draining a backlog on PostgreSQL, publishing to the in-memory broker (so the
// figures are the relay's and the database's, not a broker's): peak memory of
// one relay over a large backlog in each relay mode, and one relay vs three
// sharing the table with each claim, with the CPU time per event (relay
// processes + the database backends doing their work) beside the speed.
import type { DataSource } from 'typeorm';
import type { Benchmark } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';
import { eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { createOutboxDialect } from 'nestjs-cqrs-broker/outbox';
import { databaseCpuUs, sampleCpu } from './support/cpu-time.js';
import { analyze, dropSlot, dropTable, openOutboxDataSource, pendingCount, seedBacklog, seedWalBacklog, truncate } from './support/databases.js';
import { perSecond } from './support/percentiles.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { RELAY_NODE_FLAGS, runFleet, type FleetRun } from './support/relay-fleet.js';
import type { BenchDatabase } from './support/services.js';

const DB: BenchDatabase = 'postgres';
const BATCH_SIZE = 100;
const MEMORY_GOAL_MB = 200;
const SCALE_GOAL = 2;

/** How the relays read the outbox: the table with a lease claim (the default) or a lock claim, or the WAL through a slot. */
type RelayMode = 'lease' | 'lock' | 'wal';
const MODE_LABEL: Record<RelayMode, string> = { lease: 'table, lease claim', lock: 'table, lock claim', wal: 'WAL (logical replication)' };

/** CPU µs per event of one measured run: the relay processes (from their start) and the database backends doing their work. */
interface CpuPerEvent {
  readonly relay: number;
  readonly database: number;
}

interface FleetState {
  template?: EventTemplate;
  table?: string;
  dataSource?: DataSource;
  runs: Map<string, FleetRun[]>;
  cpu: Map<string, CpuPerEvent[]>;
}

async function openFleetState(state: FleetState, prefix: string): Promise<void> {
  quietNestLogs();
  state.template = eventTemplate(uniqueName(prefix));
  state.table = uniqueName('bench_outbox');
  state.dataSource = await openOutboxDataSource(DB, state.table, [], 2);
  state.runs = new Map();
  state.cpu = new Map();
}

async function closeFleetState(state: FleetState): Promise<void> {
  if (!state.dataSource) return;
  await dropTable(state.dataSource, state.table!);
  await state.dataSource.destroy();
  state.dataSource = undefined;
}

/**
 * Seeds `ops` events (rows, or WAL messages in a slot made for the run), runs
 * `count` relay processes in `mode` until every event is published (and, for
 * the table, nothing is pending); returns the elapsed ns.
 */
async function drainWith(state: FleetState, side: string, mode: RelayMode, count: number, ops: number, warmup: boolean, progress?: (text: string) => void): Promise<number> {
  const dataSource = state.dataSource!;
  const table = state.table!;
  await truncate(dataSource, table);
  const slotName = mode === 'wal' ? uniqueName('bench_slot') : undefined;
  try {
    if (slotName) {
      await createOutboxDialect(dataSource, table).prepareChangeCapture(slotName);
      await seedWalBacklog(dataSource, table, state.template!, 1, ops);
    } else {
      await seedBacklog(dataSource, table, state.template!, 1, ops);
      await analyze(dataSource, table);
    }
    const cpu0 = await sampleCpu(dataSource, slotName);
    let databaseUs = 0;
    const run = await runFleet(
      count,
      { db: DB, table, broker: 'memory', batchSize: BATCH_SIZE, claim: mode === 'lock' ? 'lock' : 'lease', slotName },
      ops,
      async () => slotName !== undefined || (await pendingCount(dataSource, table)) === 0,
      {
        pollMs: 20,
        onProgress: progress && ((published) => progress(`${side}: ${published.toLocaleString('en-US')}/${ops.toLocaleString('en-US')} published`)),
        onDrained: async () => void (databaseUs = await databaseCpuUs(dataSource, cpu0, slotName)),
      },
    );
    const published = run.relays.reduce((sum, r) => sum + r.published, 0);
    if (published < ops) throw new Error(`${side}: ${published} of ${ops} events published`);
    if (!warmup) {
      if (!state.runs.has(side)) state.runs.set(side, []);
      state.runs.get(side)!.push(run);
      if (!state.cpu.has(side)) state.cpu.set(side, []);
      const relayUs = run.relays.reduce((sum, r) => sum + r.cpuSinceStartMs * 1000, 0);
      state.cpu.get(side)!.push({ relay: relayUs / ops, database: databaseUs / ops });
    }
    return run.elapsedNs;
  } finally {
    if (slotName) await dropSlot(dataSource, slotName);
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

/** The CPU-per-event table of a fleet benchmark: medians over measured runs, and each side against `baseline`. */
function cpuTable(state: FleetState, baseline: string) {
  const totals = (side: string) => {
    const runs = state.cpu.get(side) ?? [];
    return { relay: median(runs.map((r) => r.relay)), database: median(runs.map((r) => r.database)), total: median(runs.map((r) => r.relay + r.database)) };
  };
  const base = totals(baseline).total;
  return {
    title: 'CPU time per event (µs, median of measured runs): the relay processes (from start) + the PostgreSQL backends doing their work',
    header: ['side', 'relay processes', 'database', 'total', `total / ${baseline}`],
    rows: [...state.cpu.keys()].map((side) => {
      const t = totals(side);
      return [side, t.relay.toFixed(1), t.database.toFixed(1), t.total.toFixed(1), `${(t.total / base).toFixed(2)}×`];
    }),
  };
}

const memoryState: FleetState = { runs: new Map(), cpu: new Map() };
const MEMORY_MODES: readonly RelayMode[] = ['lease', 'lock', 'wal'];
const memorySide = (mode: RelayMode) => `1 relay process, PostgreSQL ${MODE_LABEL[mode]} → in-memory broker`;
const mb = (kib: number) => kib / 1024;

/** Progress lines for long drains: the harness prints per round only. */
const progressLine = (text: string) => process.stderr.isTTY && process.stderr.write(`\r[relay-memory] ${text}   `);

export const relayMemoryBenchmark: Benchmark = {
  name: 'relay-memory',
  description: `Peak resident memory (VmHWM of the relay's own process) while one relay drains a large backlog from ${DB === 'postgres' ? 'PostgreSQL' : 'MariaDB'}, batch size ${BATCH_SIZE}, to the in-memory broker (no subscriber: the broker keeps nothing), in each relay mode: the table with the lease claim (the default) and with the lock claim, and the WAL through a logical replication slot (one event per transaction). The relay runs with \`node ${RELAY_NODE_FLAGS.join(' ')}\`, as the sample's relay does (\`npm run relay\`, docker-compose.yml).`,
  packages: ['nestjs-cqrs-broker', 'typeorm', 'pg'],
  unit: { label: 'µs/event', ns: 1e3 },
  perSecond: 'events',
  size: { rounds: 1, opsPerRound: 1_000_000, warmupRounds: 0 },
  quickSize: { rounds: 1, opsPerRound: 20_000, warmupRounds: 0 },
  sides: MEMORY_MODES.map((mode) => ({ name: memorySide(mode), run: (ops: number, { warmup }: { warmup: boolean }) => drainWith(memoryState, memorySide(mode), mode, 1, ops, warmup, progressLine) })),
  goal: `Peak RSS of the relay process at most ${MEMORY_GOAL_MB} MB, in every relay mode.`,
  extraTables() {
    return [
      {
        title: 'Relay process memory (MB = 2^20 bytes)',
        header: ['side', 'run', 'events', 'RSS when ready', 'peak RSS (VmHWM)', 'peak RSS sampled by parent', 'RSS at end', 'heap used at end', 'CPU user+sys s'],
        rows: [...memoryState.runs].flatMap(([side, runs]) => runs.map((run, i) => {
          const r = run.relays[0];
          return [
            side,
            String(i + 1),
            r.published.toLocaleString('en-US'),
            mb(run.readyRssKiB[0]).toFixed(0),
            mb(r.peakRssKiB).toFixed(0),
            mb(run.sampledPeakRssKiB[0]).toFixed(0),
            mb(r.rssKiB).toFixed(0),
            mb(r.heapUsedKiB).toFixed(0),
            ((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(1),
          ];
        })),
      },
      cpuTable(memoryState, memorySide('lease')),
    ];
  },
  evaluateGoal(result) {
    const peaks = MEMORY_MODES.map((mode) => ({ mode, peak: Math.max(...(memoryState.runs.get(memorySide(mode)) ?? []).map((run) => mb(run.relays[0].peakRssKiB))) }));
    const worst = Math.max(...peaks.map((p) => p.peak));
    return {
      met: worst <= MEMORY_GOAL_MB,
      detail: `peak RSS ${peaks.map((p) => `${MODE_LABEL[p.mode]} ${p.peak.toFixed(0)} MB`).join(', ')} while draining ${result.opsPerRound.toLocaleString('en-US')} events, target ≤ ${MEMORY_GOAL_MB} MB${result.opsPerRound < 1_000_000 ? ' (a scaled-down run: the goal names 1,000,000 rows; nothing extrapolated)' : ''}.`,
    };
  },
  setup: () => openFleetState(memoryState, 'bench_memory'),
  teardown: () => closeFleetState(memoryState),
};

const scaleState: FleetState = { runs: new Map(), cpu: new Map() };
const ONE = '1 relay process';
const THREE = '3 relay processes';
const ONE_LOCK = '1 relay process, lock claim';
const THREE_LOCK = '3 relay processes, lock claim';

export const relayScaleOutBenchmark: Benchmark = {
  name: 'relay-scale-out',
  description: `One relay process vs three relay processes sharing one outbox table on PostgreSQL, with the lease claim (the default: an UPDATE with FOR UPDATE SKIP LOCKED, then the mark) and with the lock claim (rows locked FOR UPDATE SKIP LOCKED across the publish, one UPDATE), draining the same backlog, batch size ${BATCH_SIZE}, to the in-memory broker; time until nothing is pending, and the CPU time per event (relay processes + database backends). Each run starts fresh processes (start-up not timed: they report ready first).`,
  packages: ['nestjs-cqrs-broker', 'typeorm', 'pg'],
  unit: { label: 'µs/event', ns: 1e3 },
  perSecond: 'events',
  size: { rounds: 3, opsPerRound: 30_000, warmupRounds: 0 },
  quickSize: { rounds: 2, opsPerRound: 5_000, warmupRounds: 0 },
  sides: [
    { name: ONE, run: (ops, { warmup }) => drainWith(scaleState, ONE, 'lease', 1, ops, warmup) },
    { name: THREE, run: (ops, { warmup }) => drainWith(scaleState, THREE, 'lease', 3, ops, warmup) },
    { name: ONE_LOCK, run: (ops, { warmup }) => drainWith(scaleState, ONE_LOCK, 'lock', 1, ops, warmup) },
    { name: THREE_LOCK, run: (ops, { warmup }) => drainWith(scaleState, THREE_LOCK, 'lock', 3, ops, warmup) },
  ],
  ratios: [
    { numerator: THREE, denominator: ONE },
    { numerator: THREE_LOCK, denominator: ONE_LOCK },
    { numerator: ONE_LOCK, denominator: ONE },
  ],
  goal: `Three relays drain at least ${SCALE_GOAL}× the events/s of one (either claim).`,
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
      cpuTable(scaleState, ONE),
    ];
  },
  evaluateGoal(result) {
    const lease = 1 / ratioResult(result, THREE, ONE).ofMedians;
    const lock = 1 / ratioResult(result, THREE_LOCK, ONE_LOCK).ofMedians;
    return {
      met: Math.max(lease, lock) >= SCALE_GOAL,
      detail: `3 relays = ${lease.toFixed(2)}× the events/s of one with the lease claim, ${lock.toFixed(2)}× with the lock claim (inverse of the ratio of median times), target ≥ ${SCALE_GOAL}×.`,
    };
  },
  setup: () => openFleetState(scaleState, 'bench_scale'),
  teardown: () => closeFleetState(scaleState),
};
