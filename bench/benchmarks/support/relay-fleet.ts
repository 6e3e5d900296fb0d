// Runs relays as child processes (support/relay-process.ts) and waits until a
// backlog is drained: what the memory and scale-out benchmarks measure.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RelayProcessConfig, RelayProcessMessage } from './relay-process.js';

const RELAY_PROCESS = fileURLToPath(new URL('./relay-process.js', import.meta.url));
/**
 * The V8 flag the sample's relay runs with (`npm run relay`, docker-compose.yml):
 * a relay's live heap stays small, and the cap makes V8 collect before it grows.
 */
export const RELAY_NODE_FLAGS = ['--max-old-space-size=128'];

type Stopped = Extract<RelayProcessMessage, { type: 'stopped' }>;

export interface FleetRun {
  /** From `start` to every row published and marked (the parent polls the table). */
  readonly elapsedNs: number;
  readonly relays: readonly Stopped[];
  /** Largest RSS the parent saw while sampling /proc/<pid>/status, per relay (KiB). */
  readonly sampledPeakRssKiB: readonly number[];
  readonly readyRssKiB: readonly number[];
}

class RelayChild {
  private readonly messages: RelayProcessMessage[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly child: ChildProcess;
  private exit?: string;

  constructor(config: RelayProcessConfig) {
    this.child = fork(RELAY_PROCESS, [], { execArgv: RELAY_NODE_FLAGS, env: { ...process.env, BENCH_RELAY_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: RelayProcessMessage) => {
      this.messages.push(message);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.child.on('exit', (code, signal) => {
      this.exit = `relay process exited (${code ?? signal})`;
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  async next<T extends RelayProcessMessage['type']>(type: T): Promise<Extract<RelayProcessMessage, { type: T }>> {
    for (;;) {
      const index = this.messages.findIndex((m) => m.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Extract<RelayProcessMessage, { type: T }>;
      if (this.exit) throw new Error(`${this.exit} before sending "${type}"`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  send(type: 'start' | 'stop'): void {
    this.child.send({ type });
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Starts `count` relays on `config`, lets them drain, and stops them once
 * `isDrained()` says so (polled every `pollMs`, but only once the relays
 * reported `expected` events published: a pending count over a large backlog
 * costs the database as much CPU as the relay's own statements). `onProgress`
 * gets the sum of their published counts as they report it; `onDrained` runs
 * once drained, before the relays are stopped.
 */
export async function runFleet(
  count: number,
  config: RelayProcessConfig,
  expected: number,
  isDrained: () => Promise<boolean>,
  {
    pollMs = 100,
    timeoutMs = 600_000,
    onProgress,
    onDrained,
  }: { pollMs?: number; timeoutMs?: number; onProgress?: (published: number) => void; onDrained?: () => Promise<void> } = {},
): Promise<FleetRun> {
  const relays = Array.from({ length: count }, () => new RelayChild(config));
  try {
    const ready = await Promise.all(relays.map((r) => r.next('ready')));
    const sampled = relays.map(() => 0);
    const published = relays.map(() => 0);
    relays.forEach((relay, i) =>
      relay.child.on('message', (m: RelayProcessMessage) => {
        if (m.type === 'progress') {
          published[i] = m.published;
          onProgress?.(published.reduce((a, b) => a + b, 0));
        }
      }),
    );
    const sample = () => relays.forEach((relay, i) => (sampled[i] = Math.max(sampled[i], rssOf(relay.child.pid!))));
    const sampler = setInterval(sample, 100);
    const t0 = process.hrtime.bigint();
    relays.forEach((r) => r.send('start'));
    const deadline = Date.now() + timeoutMs;
    try {
      while (published.reduce((a, b) => a + b, 0) < expected || !(await isDrained())) {
        if (Date.now() > deadline) throw new Error(`backlog not drained by ${count} relay(s) within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    } finally {
      clearInterval(sampler);
    }
    const elapsedNs = Number(process.hrtime.bigint() - t0);
    sample();
    // While the relays' connections are still open (their database backends still exist).
    await onDrained?.();
    relays.forEach((r) => r.send('stop'));
    const stopped = await Promise.all(relays.map((r) => r.next('stopped')));
    return { elapsedNs, relays: stopped, sampledPeakRssKiB: sampled, readyRssKiB: ready.map((r) => r.rssKiB) };
  } finally {
    relays.forEach((r) => r.kill());
  }
}
