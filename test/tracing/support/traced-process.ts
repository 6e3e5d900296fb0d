// Starts test/tracing/support/traced-child.ts in a process of its own and follows what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./traced-child.ts', import.meta.url));
const loader = fileURLToPath(new URL('../../brokers/support/child/register.mjs', import.meta.url));

export interface TracedProcess {
  readonly process: ChildProcess;
  /** What it printed after READY (the app: its HTTP port). */
  readonly ready: Promise<string>;
  readonly handled: string[];
  output(): string;
  stop(): Promise<void>;
}

export function startTracedProcess(env: Record<string, string>): TracedProcess {
  const child = spawn(process.execPath, ['--import', loader, fileURLToPath(new URL(script, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handled: string[] = [];
  let log = '';
  let buffered = '';
  let markReady!: (rest: string) => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<string>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  ready.catch(() => undefined);
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    log += text;
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('READY')) markReady(line.slice(6));
      else if (line.startsWith('HANDLED ')) handled.push(line.slice(8));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => void (log += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      failReady(new Error(`traced child ${env.ROLE} exited (${signal ?? code}) before it was ready:\n${log.slice(-3000)}`));
      resolve();
    }),
  );
  return {
    process: child,
    ready,
    handled,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
