// Where the fault suite builds, runs and reports.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Everything a run leaves behind (gitignored). */
export const RESULTS_DIR = join(ROOT, '.test-results', 'faults');
/** The suite's own build of the library and the apps (see test/faults/tsconfig.build.json). */
export const BUILD_DIR = join(RESULTS_DIR, 'build');
export const APP_SCRIPTS = {
  api: join(BUILD_DIR, 'apps/meeting-rooms/src/main.js'),
  relay: join(BUILD_DIR, 'apps/meeting-rooms/src/relay.main.js'),
  consumer: join(BUILD_DIR, 'apps/meeting-notifications/src/main.js'),
} as const;

/** This run's directory: child logs, delivery logs, results (set by vitest.faults.config.ts). */
export function runDir(): string {
  const dir = process.env.FAULTS_RUN_DIR;
  if (!dir) throw new Error('FAULTS_RUN_DIR is not set: run the suite with `npm run test:faults`.');
  return dir;
}

/** Events per scenario: FAULTS_EVENTS, default 10 000. */
export function eventCount(): number {
  const n = Number(process.env.FAULTS_EVENTS ?? 10_000);
  if (!Number.isInteger(n) || n < 10) throw new Error(`FAULTS_EVENTS must be an integer >= 10, got ${process.env.FAULTS_EVENTS}`);
  return n;
}

/** Our own Kafka broker (never the shared one on 9092): FAULTS_KAFKA_PORT, controller on the next port. */
export const KAFKA_PORT = Number(process.env.FAULTS_KAFKA_PORT ?? 19192);
export const KAFKA_SCRIPT = join(ROOT, 'scripts/kafka.sh');
export const kafkaEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  KAFKA_PORT: String(KAFKA_PORT),
  KAFKA_CONTROLLER_PORT: String(KAFKA_PORT + 1),
  // The malformed-message scenario sends a 5 MB message; the default limit is 1 MB.
  KAFKA_EXTRA_PROPS: 'message.max.bytes=10485760\nreplica.fetch.max.bytes=10485760',
  KAFKA_STOP_TIMEOUT: '20',
  ...extra,
});
