// Runs one of the samples' entry points (apps/*/src/*.main.ts) in a process of its own, from the TypeScript sources
// (test/brokers/support/child/register.mjs), recording which @opentelemetry/* modules it imports.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const loaders = [fileURLToPath(new URL('../../brokers/support/child/register.mjs', import.meta.url)), fileURLToPath(new URL('./module-loads.mjs', import.meta.url))];

export const SAMPLE_ENTRIES = {
  api: 'apps/meeting-rooms/src/main.ts',
  relay: 'apps/meeting-rooms/src/relay.main.ts',
  notifications: 'apps/meeting-notifications/src/main.ts',
} as const;

export interface SampleProcess {
  readonly process: ChildProcess;
  /** Resolves with the first output line matching `pattern` (its match), rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  output(): string;
  /** The `@opentelemetry/*` specifiers the process imported (ESM imports; the SDK's own CommonJS requires are not listed). */
  openTelemetryImports(): string[];
  stop(): Promise<void>;
}

export function startSample(entry: keyof typeof SAMPLE_ENTRIES, env: Record<string, string>): SampleProcess {
  const dir = mkdtempSync(join(tmpdir(), 'sample-process-'));
  const loads = join(dir, 'loads.txt');
  const child = spawn(process.execPath, [...loaders.flatMap((l) => ['--import', l]), join(root, SAMPLE_ENTRIES[entry])], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', ...env, MODULE_LOADS_FILE: loads },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const waiters = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${entry}: no output line matched ${pattern} within ${timeoutMs} ms:\n${log.slice(-3000)}`)), timeoutMs);
        const check = () => {
          const match = log.match(pattern);
          if (match) done(undefined, match);
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`${entry} exited (${child.signalCode ?? child.exitCode}) before ${pattern}:\n${log.slice(-3000)}`));
        };
        const done = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', check);
          if (error) reject(error);
          else resolve(match!);
        };
        waiters.add(check);
        child.on('exit', check);
        check();
      });
    },
    output: () => log,
    openTelemetryImports() {
      try {
        return readFileSync(loads, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
