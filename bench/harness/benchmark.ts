import type { BenchmarkResult } from './result.js';

/** Sizes of one run of a benchmark. */
export interface BenchmarkSize {
  /** Measured rounds; each round runs every side once, in rotating order. */
  readonly rounds: number;
  /** Operations per side per round; the figure reported is nanoseconds per operation. */
  readonly opsPerRound: number;
  /** Unmeasured rounds before the first measured one (JIT warm-up). Default 3. */
  readonly warmupRounds?: number;
  /** Operations per side in a warm-up round (default `opsPerRound`): less for benchmarks whose rounds take long. */
  readonly warmupOps?: number;
}

/** One contender in a comparison, e.g. "RequestMediator.send" or "CommandBus.execute". */
export interface Side {
  /** Short unique name, used in tables and ratios. */
  readonly name: string;
  /** Shown under the table, e.g. why a side is there for reference only. */
  readonly note?: string;
  /**
   * Fraction of the benchmark's ops per round this side runs (default 1), for
   * a side much slower than the others. Figures are per op either way.
   */
  readonly opsFactor?: number;
  /**
   * Runs `ops` operations. By default the harness times the whole call; return
   * a duration in nanoseconds to report a self-measured time instead (e.g. to
   * leave out per-round preparation).
   */
  run(ops: number, context: RunContext): Promise<number | void>;
}

/** How the per-op figure is shown when it is not nanoseconds per operation. */
export interface FigureUnit {
  /** Column label, e.g. `µs/event` or `ms (p50 latency)`. */
  readonly label: string;
  /** Nanoseconds in one unit (1e3 for µs, 1e6 for ms). */
  readonly ns: number;
}

/** A table of figures the harness's columns do not cover (latency percentiles, peak memory…). */
export interface ExtraTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Which run this is: sides that keep their own figures (latencies…) record measured runs only. */
export interface RunContext {
  readonly warmup: boolean;
  /** 0-based round number within the warm-up or the measured rounds. */
  readonly round: number;
}

/** A ratio to quote: the numerator side's time per op over the denominator's. */
export interface RatioSpec {
  readonly numerator: string;
  readonly denominator: string;
}

/** Whether a benchmark's figures meet its goal, with the figure that decides it. */
export interface GoalVerdict {
  readonly met: boolean;
  readonly detail: string;
}

/**
 * A comparison of several sides run in the same process. Register it in
 * `bench/run.ts`. The harness calls `setup`, warms up, runs the measured
 * rounds alternating the sides, computes medians, spreads and ratios, then
 * calls `teardown` (also on failure).
 */
export interface Benchmark {
  /** CLI name (`--only <name>`), lower-case. */
  readonly name: string;
  readonly description: string;
  /** Packages whose versions the report shows, read from their package.json. */
  readonly packages?: readonly string[];
  readonly sides: readonly Side[];
  readonly ratios?: readonly RatioSpec[];
  readonly size: BenchmarkSize;
  /** Unit of the per-op figure (default ns/op). */
  readonly unit?: FigureUnit;
  /** Adds a rate column (`<perSecond>/s`, from the median) for throughput benchmarks, e.g. `events`. */
  readonly perSecond?: string;
  /** Tables of the benchmark's own figures, built after the measured rounds (before `evaluateGoal`). */
  extraTables?(): ExtraTable[];
  /** Sizes with `--quick`. Default: a fifth of the ops, half the rounds (at least 5), two warm-up rounds. */
  readonly quickSize?: BenchmarkSize;
  /** The target we quote, in words. */
  readonly goal: string;
  /** Decides `goal` from the figures. */
  evaluateGoal(result: BenchmarkResult): GoalVerdict;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}
