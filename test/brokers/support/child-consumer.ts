// Starts test/brokers/support/child/consumer-child.ts in a process of its own and follows what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./child/consumer-child.ts', import.meta.url));
const loader = fileURLToPath(new URL('./child/register.mjs', import.meta.url));

export interface ConsumerChild {
  readonly process: ChildProcess;
  /** Event ids the child printed as handled / attempted, in order. */
  readonly handled: string[];
  readonly attempted: string[];
  /** Resolves once it printed READY; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves with the exit signal or code. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

export function startConsumerChild(env: Record<string, string>): ConsumerChild {
  const child = spawn(process.execPath, ['--import', loader, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const handled: string[] = [];
  const attempted: string[] = [];
  let log = '';
  let buffered = '';
  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    log += text;
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === 'READY') markReady();
      else if (line.startsWith('HANDLED ')) handled.push(line.slice(8));
      else if (line.startsWith('ATTEMPT ')) attempted.push(line.slice(8));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => void (log += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      failReady(new Error(`the consumer child exited (${signal ?? code}) before it was ready:\n${log.slice(-3000)}`));
      resolve(signal ?? code);
    }),
  );
  ready.catch(() => undefined);
  return { process: child, handled, attempted, ready, exited, output: () => log, kill: (signal = 'SIGKILL') => void child.kill(signal) };
}
