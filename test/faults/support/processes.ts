// The sample's processes as children of the suite: started with their own
// environment, their output appended to one log file each, killed or stopped
// on purpose, and restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { APP_SCRIPTS, BUILD_DIR } from './paths.js';

export type AppKind = keyof typeof APP_SCRIPTS;

/** A line each app logs once it is ready for work. */
const READY: Record<AppKind, string> = {
  api: 'Listening on http://localhost:',
  relay: 'Relaying the outbox of',
  consumer: 'Notifications at http://localhost:',
};

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** One sample process (API, relay or consumer). `start()` again after it exited restarts it with the same environment. */
export class AppProcess {
  private child?: ChildProcess;
  private log: WriteStream;
  private exitPromise?: Promise<ExitInfo>;
  starts = 0;
  /** How the process last exited (also when it died during `start()`). */
  lastExit?: ExitInfo;

  constructor(
    readonly name: string,
    readonly kind: AppKind,
    readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once it logged its ready line; rejects if it exits first or takes longer than `timeoutMs`. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.starts++;
    this.log.write(`\n===== ${new Date().toISOString()} start #${this.starts} of ${this.name} =====\n`);
    const child = spawn(process.execPath, [APP_SCRIPTS[this.kind]], {
      cwd: BUILD_DIR,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.log.write(`===== ${new Date().toISOString()} ${this.name} exited (code ${code}, signal ${signal}) =====\n`);
        this.lastExit = { code, signal, at: Date.now() };
        resolve(this.lastExit);
      }),
    );
    const ready = READY[this.kind];
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`${this.name} did not log "${ready}" within ${timeoutMs} ms (see ${this.logFile})`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.log.write(chunk);
        if (settled) return;
        seen = (seen + chunk.toString('utf8')).slice(-4096);
        if (seen.includes(ready)) finish();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void this.exitPromise!.then((exit) => finish(new Error(`${this.name} exited during startup (code ${exit.code}, signal ${exit.signal}); see ${this.logFile}`)));
    });
  }

  /** Sends `signal`; resolves when the process has exited (SIGKILL after `timeoutMs` if it has not). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<ExitInfo | undefined> {
    if (!this.running || !this.child) return undefined;
    const child = this.child;
    child.kill(signal);
    const timer = setTimeout(() => {
      this.log.write(`===== ${this.name} did not exit ${timeoutMs} ms after ${signal}: SIGKILL =====\n`);
      child.kill('SIGKILL');
    }, timeoutMs);
    const exit = await this.exitPromise!;
    clearTimeout(timer);
    return exit;
  }

  kill(): Promise<ExitInfo | undefined> {
    return this.stop('SIGKILL');
  }

  /** Waits for the process to exit by itself. */
  exited(): Promise<ExitInfo> | undefined {
    return this.running ? this.exitPromise : undefined;
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

export function logPath(dir: string, name: string): string {
  return join(dir, `${name}.log`);
}
