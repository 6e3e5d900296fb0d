// Starts test/saga/support/saga-crash-child.ts in processes of their own and follows what they print
// (the SIGKILL test and the fault suite's saga scenario).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const loader = fileURLToPath(new URL('../../brokers/support/child/register.mjs', import.meta.url));
const script = fileURLToPath(new URL('./saga-crash-child.ts', import.meta.url));

export interface SagaChild {
  readonly process: ChildProcess;
  /** Saga ids the child printed as stored. */
  readonly created: Set<string>;
  rangeDone: boolean;
  exited: boolean;
  /** The tail of its stderr. */
  log: string;
}

/** The child's environment: SAGA_DB, SAGA_SQLITE_FILE, SAGA_TABLE, SAGA_EFFECTS, SAGA_WORKER, SAGA_LEASE_MS, SAGA_PREFIX, SAGA_COUNT. */
export function startSagaChild(env: Record<string, string>): SagaChild {
  const child = spawn(process.execPath, ['--import', loader, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const state: SagaChild = { process: child, created: new Set(), rangeDone: false, exited: false, log: '' };
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('CREATED ')) state.created.add(line.slice(8));
      else if (line === 'RANGE DONE') state.rangeDone = true;
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => void (state.log = (state.log + chunk.toString('utf8')).slice(-5_000)));
  child.once('exit', () => (state.exited = true));
  return state;
}
