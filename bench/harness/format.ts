import type { BenchmarkResult, RatioResult } from './result.js';

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** " (side: n)" for each side that runs fewer ops per round than the benchmark. */
export function fewerOps(result: BenchmarkResult): string {
  return result.sides
    .filter((side) => side.opsPerRound !== result.opsPerRound)
    .map((side) => ` (${side.name}: ${count(side.opsPerRound)})`)
    .join('');
}

/** ns/op with about three significant digits. */
export function ns(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/** Rows shared by the text and Markdown tables, in the benchmark's unit. */
export function sideRows(result: BenchmarkResult): string[][] {
  const scale = result.unit?.ns ?? 1;
  const f = (value: number) => ns(value / scale);
  return result.sides.map((side) => [
    side.name,
    f(side.summary.median),
    `${f(side.summary.p25)}–${f(side.summary.p75)}`,
    `${f(side.summary.min)}–${f(side.summary.max)}`,
    ...(result.perSecond ? [count(Math.round(1e9 / side.summary.median))] : []),
  ]);
}
export function sideHeader(result: BenchmarkResult): string[] {
  return ['side', `median ${result.unit?.label ?? 'ns/op'}`, 'p25–p75', 'min–max', ...(result.perSecond ? [`${result.perSecond}/s (median)`] : [])];
}

export function ratioRows(ratios: readonly RatioResult[]): string[][] {
  return ratios.map((r) => [
    `${r.numerator} / ${r.denominator}`,
    ratio(r.ofMedians),
    ratio(r.perRound.median),
    `${ratio(r.perRound.p25)}–${ratio(r.perRound.p75)}`,
  ]);
}
export const RATIO_HEADER = ['ratio (time)', 'of medians', 'median per round', 'p25–p75 per round'];

/** Left-aligns the first column and right-aligns the others. */
export function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '));
}
