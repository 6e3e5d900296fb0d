// Runs the benchmarks: `npm run bench [-- --only <name>] [-- --quick]`.
// Progress goes to stderr, tables to stdout, figures to bench/results/latest.{json,md}.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dispatchBenchmark } from './benchmarks/dispatch.bench.js';
import { e2eLatencyBenchmark } from './benchmarks/e2e-latency.bench.js';
import { eventHandlersBenchmark } from './benchmarks/event-handlers.bench.js';
import { outboxWriteBenchmark } from './benchmarks/outbox-write.bench.js';
import { peerRelayBenchmark } from './benchmarks/peer-relay.bench.js';
import { relayMemoryBenchmark, relayScaleOutBenchmark } from './benchmarks/relay-fleet.bench.js';
import { observabilityBenchmark } from './benchmarks/observability.bench.js';
import { relayKafkaBenchmark, relayRabbitmqBenchmark } from './benchmarks/relay-throughput.bench.js';
import { sagaThroughputBenchmark } from './benchmarks/saga-throughput.bench.js';
import type { Benchmark } from './harness/benchmark.js';
import { parseCli, USAGE, UsageError } from './harness/cli.js';
import { describeEnvironment, packageVersion } from './harness/environment.js';
import { markdownReport } from './harness/markdown-report.js';
import { Progress } from './harness/progress.js';
import type { BenchmarkResult } from './harness/result.js';
import { runBenchmark } from './harness/runner.js';
import { textReport } from './harness/text-report.js';

/** Every benchmark, in the order `npm run bench` runs them. Add new ones here. */
const BENCHMARKS: readonly Benchmark[] = [dispatchBenchmark, eventHandlersBenchmark, outboxWriteBenchmark, relayRabbitmqBenchmark, relayKafkaBenchmark, peerRelayBenchmark, e2eLatencyBenchmark, relayMemoryBenchmark, relayScaleOutBenchmark, sagaThroughputBenchmark, observabilityBenchmark];

// Compiled to dist/bench/run.js; the repository root is two levels up.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    console.log(`${USAGE}\n\nBenchmarks:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}`);
    return;
  }
  const names = cli.only?.split(',').map((name) => name.trim());
  const selected = names ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const unknown = names?.filter((name) => !BENCHMARKS.some((b) => b.name === name)) ?? [];
  if (unknown.length) {
    throw new UsageError(`Unknown benchmark "${unknown.join('", "')}". Known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }

  // A clean clone works: start PostgreSQL, MariaDB, RabbitMQ and Kafka if they are down (Kafka is stopped again at the end).
  const services = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'services.mjs')).href)) as {
    ensureServices(options: { log: (line: string) => void }): Promise<unknown[]>;
    stopStarted(started: unknown[]): void;
  };
  const started = await services.ensureServices({ log: (line) => process.stderr.write(`${line}\n`) });
  try {
    await runSelected(cli, selected);
  } finally {
    services.stopStarted(started);
  }
}

async function runSelected(cli: ReturnType<typeof parseCli>, selected: readonly Benchmark[]): Promise<void> {
  const startedAt = performance.now();
  const environment = describeEnvironment(REPO_ROOT);
  if (!environment.gcExposed) process.stderr.write('warning: global.gc is not exposed (run node with --expose-gc); rounds run without a forced GC\n');
  const progress = new Progress();
  const results: BenchmarkResult[] = [];
  const failed: string[] = [];
  for (const [index, benchmark] of selected.entries()) {
    progress.update(`(${index + 1}/${selected.length}) ${benchmark.name}`);
    try {
      const result = await runBenchmark(benchmark, { quick: cli.quick, progress, versionOf: (name) => packageVersion(REPO_ROOT, name) });
      results.push(result);
      process.stdout.write(`\n${textReport(result)}`);
    } catch (error) {
      // One broken benchmark does not lose the others' figures; the run still fails.
      failed.push(benchmark.name);
      process.exitCode = 1;
      process.stderr.write(`\n[${benchmark.name}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }

  const totalSeconds = Math.round((performance.now() - startedAt) / 1000);
  process.stdout.write(`${goalSummary(results, totalSeconds)}\n`);
  if (failed.length) process.stderr.write(`failed: ${failed.join(', ')}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const info = { environment, quick: cli.quick, only: cli.only, totalSeconds };
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ ...info, results }, null, 2)}\n`);
  writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdownReport(info, results));
  process.stderr.write(`results written to ${path.relative(process.cwd(), RESULTS_DIR) || '.'}/latest.{json,md}\n`);
}

/** The closing table: every benchmark's goal, met or not, and the time the run took. */
function goalSummary(results: readonly BenchmarkResult[], totalSeconds: number): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map((r) => `  ${r.name.padEnd(width)}  ${r.goalMet ? 'MET    ' : 'NOT MET'}  ${r.goalDetail}`);
  return ['Goals:', ...lines, `Total: ${totalSeconds} s`].join('\n');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  else process.stderr.write(`\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
