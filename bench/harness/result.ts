import type { ExtraTable, FigureUnit } from './benchmark.js';
import type { Summary } from './stats.js';

/** Figures of one side: ns/op of every measured round, and their summary. */
export interface SideResult {
  readonly name: string;
  readonly note?: string;
  readonly opsPerRound: number;
  readonly nsPerOp: readonly number[];
  readonly summary: Summary;
}

/** A quoted ratio: ratio of medians, and the distribution of per-round ratios. */
export interface RatioResult {
  readonly numerator: string;
  readonly denominator: string;
  /** median(numerator) / median(denominator). */
  readonly ofMedians: number;
  /** Ratios of the two sides within each round (paired), summarised. */
  readonly perRound: Summary;
}

export interface BenchmarkResult {
  readonly name: string;
  readonly description: string;
  readonly rounds: number;
  readonly opsPerRound: number;
  readonly warmupRounds: number;
  readonly durationMs: number;
  readonly sides: readonly SideResult[];
  readonly ratios: readonly RatioResult[];
  readonly goal: string;
  /** Filled in by the runner from `Benchmark.evaluateGoal`. */
  readonly goalMet?: boolean;
  readonly goalDetail?: string;
  readonly packages: Readonly<Record<string, string>>;
  readonly unit?: FigureUnit;
  readonly perSecond?: string;
  readonly tables?: readonly ExtraTable[];
}

export function sideResult(result: BenchmarkResult, name: string): SideResult {
  const side = result.sides.find((s) => s.name === name);
  if (!side) throw new Error(`Benchmark ${result.name} has no side "${name}"`);
  return side;
}

export function ratioResult(result: BenchmarkResult, numerator: string, denominator: string): RatioResult {
  const ratio = result.ratios.find((r) => r.numerator === numerator && r.denominator === denominator);
  if (!ratio) throw new Error(`Benchmark ${result.name} reports no ratio ${numerator} / ${denominator}`);
  return ratio;
}
