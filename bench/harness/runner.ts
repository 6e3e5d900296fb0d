import type { Benchmark, BenchmarkSize, Side } from './benchmark.js';
import type { Progress } from './progress.js';
import type { BenchmarkResult, RatioResult, SideResult } from './result.js';
import { summarize } from './stats.js';

export interface RunOptions {
  readonly quick: boolean;
  readonly progress: Progress;
  /** Versions of the benchmark's `packages`. */
  readonly versionOf: (name: string) => string;
}

export function sizeOf(benchmark: Benchmark, quick: boolean): Required<BenchmarkSize> {
  const full = { warmupRounds: 3, ...benchmark.size };
  const size = quick
    ? { rounds: Math.max(5, Math.ceil(full.rounds / 2)), opsPerRound: Math.max(1, Math.round(full.opsPerRound / 5)), warmupRounds: 2, ...benchmark.quickSize }
    : full;
  return { ...size, warmupOps: Math.min(size.warmupOps ?? size.opsPerRound, size.opsPerRound) };
}

function opsOf(side: Side, opsPerRound: number): number {
  return Math.max(1, Math.round(opsPerRound * (side.opsFactor ?? 1)));
}

/**
 * Runs one benchmark: setup, warm-up, then `rounds` measured rounds in which
 * every side runs `opsPerRound` operations. The order of the sides rotates
 * each round (A B C, B C A, C A B, …) so no side always runs first or last,
 * and a full GC runs before each measured run when `global.gc` is exposed.
 */
export async function runBenchmark(benchmark: Benchmark, options: RunOptions): Promise<BenchmarkResult> {
  const { rounds, opsPerRound, warmupRounds, warmupOps } = sizeOf(benchmark, options.quick);
  const sides = benchmark.sides;
  const samples = new Map<string, number[]>(sides.map((side) => [side.name, []]));
  const started = performance.now();
  const label = `[${benchmark.name}]`;
  const gc = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;

  options.progress.update(`${label} setting up`);
  await benchmark.setup?.();
  try {
    for (let round = 0; round < warmupRounds; round++) {
      options.progress.update(`${label} warm-up ${round + 1}/${warmupRounds}`);
      for (const side of sides) await side.run(opsOf(side, warmupOps), { warmup: true, round });
    }
    for (let round = 0; round < rounds; round++) {
      options.progress.update(`${label} round ${round + 1}/${rounds} (${sides.length} sides × ${opsPerRound} ops)`);
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(round + i) % sides.length];
        const ops = opsOf(side, opsPerRound);
        gc?.();
        const t0 = process.hrtime.bigint();
        const measured = await side.run(ops, { warmup: false, round });
        const elapsed = Number(process.hrtime.bigint() - t0);
        samples.get(side.name)!.push((typeof measured === 'number' ? measured : elapsed) / ops);
      }
    }
  } finally {
    options.progress.update(`${label} tearing down`);
    await benchmark.teardown?.();
  }

  const sideResults: SideResult[] = sides.map((side) => {
    const nsPerOp = samples.get(side.name)!;
    return { name: side.name, note: side.note, opsPerRound: opsOf(side, opsPerRound), nsPerOp, summary: summarize(nsPerOp) };
  });
  const ratios: RatioResult[] = (benchmark.ratios ?? []).map(({ numerator, denominator }) => {
    const a = samples.get(numerator);
    const b = samples.get(denominator);
    if (!a || !b) throw new Error(`${label} ratio ${numerator} / ${denominator} names an unknown side`);
    return {
      numerator,
      denominator,
      ofMedians: summarize(a).median / summarize(b).median,
      perRound: summarize(a.map((value, i) => value / b[i])),
    };
  });
  const durationMs = performance.now() - started;
  const result: BenchmarkResult = {
    name: benchmark.name,
    description: benchmark.description,
    rounds,
    opsPerRound,
    warmupRounds,
    durationMs,
    sides: sideResults,
    ratios,
    goal: benchmark.goal,
    packages: Object.fromEntries((benchmark.packages ?? []).map((name) => [name, options.versionOf(name)])),
    unit: benchmark.unit,
    perSecond: benchmark.perSecond,
    tables: benchmark.extraTables?.(),
  };
  const verdict = benchmark.evaluateGoal(result);
  options.progress.done(`${label} done in ${(durationMs / 1000).toFixed(1)} s`);
  return { ...result, goalMet: verdict.met, goalDetail: verdict.detail };
}
