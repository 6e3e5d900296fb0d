// Before the scenarios: the services are up, the suite's own build of the
// apps exists, and our own Kafka broker runs. After them: the table.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, eventCount, KAFKA_PORT, RESULTS_DIR, ROOT, runDir } from './support/paths.js';
import { markdownTable, readResults, textTable } from './support/report.js';
import { kafkaScript, rabbitmqctl } from './support/services.js';

const log = (message: string) => console.log(`[faults] ${message}`);
const wantsKafka = () => (process.env.FAULTS_BROKERS ?? 'rabbitmq,kafka').includes('kafka');

/** Compiles the library and the apps into BUILD_DIR and makes `nestjs-cqrs-broker` resolve to that build. */
function build(): void {
  const started = Date.now();
  rmSync(BUILD_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/faults/tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
  const pkg = join(BUILD_DIR, 'node_modules/nestjs-cqrs-broker');
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(ROOT, 'libs/cqrs-broker/package.json'), join(pkg, 'package.json'));
  // The package's exports point into dist/: here that is the compiled library sources.
  symlinkSync(join(BUILD_DIR, 'libs/cqrs-broker/src'), join(pkg, 'dist'), 'dir');
  log(`built the library and the apps into ${BUILD_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function setup(): Promise<void> {
  const services = spawnSync(process.execPath, ['--input-type=module', '-e', "const { ensureServices } = await import('./scripts/services.mjs'); await ensureServices();"], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (services.status !== 0) throw new Error('The services the fault suite needs are not up (see above).');
  if (process.env.FAULTS_SKIP_BUILD !== '1' || !existsSync(BUILD_DIR)) build();
  if (wantsKafka()) {
    const started = Date.now();
    await kafkaScript('start');
    log(`own Kafka broker on 127.0.0.1:${KAFKA_PORT} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  log(`run directory (child logs, delivery logs, results): ${runDir()}`);
}

/** Replaces the text between `<!-- faults:table:start -->` and `<!-- faults:table:end -->` in `file`. */
function updateMarked(file: string, content: string): void {
  const text = readFileSync(file, 'utf8');
  const start = '<!-- faults:table:start -->';
  const end = '<!-- faults:table:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return;
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${content}${text.slice(to)}`);
}

export async function teardown(): Promise<void> {
  const rows = readResults(runDir());
  if (rows.length) {
    const totalS = rows.reduce((s, r) => s + r.wallMs, 0) / 1000;
    const heading =
      `Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${eventCount().toLocaleString('en-US')} events per scenario, ` +
      `${rows.length} scenario runs in ${(totalS / 60).toFixed(1)} min (${rows.filter((r) => r.pass).length} passed).`;
    console.log(`\n${heading}\n\n${textTable(rows)}\n`);
    const markdown = `${heading}\n\n${markdownTable(rows)}`;
    writeFileSync(join(runDir(), 'report.md'), markdown);
    writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown);
    log(`report: ${join(RESULTS_DIR, 'latest.md')}`);
    if (process.env.FAULTS_UPDATE_DOCS === '1') {
      // The README keeps a one-line summary and links here; the table lives in docs/faults.md only.
      updateMarked(join(ROOT, 'docs/faults.md'), markdown);
      log('updated the table in docs/faults.md (the README links to it)');
    }
  }
  if (wantsKafka() && process.env.FAULTS_KEEP_KAFKA !== '1') await kafkaScript('stop').catch((error: Error) => log(error.message));
  // The RabbitMQ users the scenarios created (their virtual hosts are gone already).
  const users = await rabbitmqctl('list_users', '--quiet').catch(() => '');
  for (const line of users.split('\n')) {
    const name = line.split(/\s+/)[0];
    if (/^faults-[0-9a-f]{6}$/.test(name)) await rabbitmqctl('delete_user', name).catch(() => undefined);
  }
}
