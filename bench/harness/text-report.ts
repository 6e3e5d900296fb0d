import { alignColumns, count, fewerOps, RATIO_HEADER, ratioRows, sideHeader, sideRows } from './format.js';
import type { BenchmarkResult } from './result.js';

/** The table printed to stdout for one benchmark. */
export function textReport(result: BenchmarkResult): string {
  const lines = [
    `${result.name}: ${result.description}`,
    `  ${result.rounds} rounds × ${count(result.opsPerRound)} ops per side${fewerOps(result)} after ${result.warmupRounds} warm-up round(s), ${(result.durationMs / 1000).toFixed(1)} s`,
    '',
    ...alignColumns([sideHeader(result), ...sideRows(result)]).map((line) => `  ${line}`),
  ];
  if (result.ratios.length) lines.push('', ...alignColumns([RATIO_HEADER, ...ratioRows(result.ratios)]).map((line) => `  ${line}`));
  for (const table of result.tables ?? []) lines.push('', `  ${table.title}`, ...alignColumns([[...table.header], ...table.rows.map((row) => [...row])]).map((line) => `  ${line}`));
  for (const side of result.sides) if (side.note) lines.push(`  * ${side.name}: ${side.note}`);
  lines.push('', `  goal: ${result.goal}`, `  ${result.goalMet ? 'MET' : 'NOT MET'}: ${result.goalDetail}`, '');
  return lines.join('\n');
}
