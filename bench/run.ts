// Runs the benchmarks: `npm run bench [-- --only <name>] [-- --quick]`.
// Progress goes to stderr, tables to stdout, figures to bench/results/latest.{json,md}.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatchBenchmark } from './benchmarks/dispatch.bench.js';
import type { Benchmark } from './harness/benchmark.js';
import { parseCli, USAGE, UsageError } from './harness/cli.js';
import { describeEnvironment, packageVersion } from './harness/environment.js';
import { markdownReport } from './harness/markdown-report.js';
import { Progress } from './harness/progress.js';
import type { BenchmarkResult } from './harness/result.js';
import { runBenchmark } from './harness/runner.js';
import { textReport } from './harness/text-report.js';

/** Every benchmark, in the order `npm run bench` runs them. Add new ones here. */
const BENCHMARKS: readonly Benchmark[] = [dispatchBenchmark];

// Compiled to dist/bench/run.js; the repository root is two levels up.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    console.log(`${USAGE}\n\nBenchmarks:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}`);
    return;
  }
  const selected = cli.only ? BENCHMARKS.filter((b) => b.name === cli.only) : BENCHMARKS;
  if (selected.length === 0) {
    throw new UsageError(`Unknown benchmark "${cli.only}". Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }

  const environment = describeEnvironment(REPO_ROOT);
  if (!environment.gcExposed) process.stderr.write('warning: global.gc is not exposed (run node with --expose-gc); rounds run without a forced GC\n');
  const progress = new Progress();
  const results: BenchmarkResult[] = [];
  for (const [index, benchmark] of selected.entries()) {
    progress.update(`(${index + 1}/${selected.length}) ${benchmark.name}`);
    const result = await runBenchmark(benchmark, { quick: cli.quick, progress, versionOf: (name) => packageVersion(REPO_ROOT, name) });
    results.push(result);
    process.stdout.write(`\n${textReport(result)}`);
  }

  mkdirSync(RESULTS_DIR, { recursive: true });
  const info = { environment, quick: cli.quick, only: cli.only };
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ ...info, results }, null, 2)}\n`);
  writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdownReport(info, results));
  process.stderr.write(`results written to ${path.relative(process.cwd(), RESULTS_DIR) || '.'}/latest.{json,md}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  else process.stderr.write(`\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
