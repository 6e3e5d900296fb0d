import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The machine and runtime the figures were measured on. */
export interface Environment {
  readonly date: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  readonly gcExposed: boolean;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine adds noise. */
  readonly loadAverage: readonly number[];
  readonly gitCommit?: string;
}

export function describeEnvironment(repoRoot: string): Environment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    gcExposed: typeof globalThis.gc === 'function',
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    gitCommit: gitCommit(repoRoot),
  };
}

/** Version of an installed package, read from its package.json (workspace links included). */
export function packageVersion(repoRoot: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8'));
    return String(manifest.version);
  } catch {
    return 'not installed';
  }
}

function gitCommit(repoRoot: string): string | undefined {
  try {
    const run = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run('rev-parse', '--short', 'HEAD');
    return run('status', '--porcelain', '--untracked-files=no') ? `${commit} (uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}
