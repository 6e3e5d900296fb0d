// `npm test`: starts the services the suites need, type-checks everything
// (the library, apps, tests and benchmarks), runs every suite, and ends with
// the plain line CI reads: "N passed, N failed". With FAULTS_EVENTS set (CI
// sets 1000) it also runs the fault-injection suite (docs/faults.md) at that
// size and counts its scenarios in the same line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ensureNest11, nest11Modules } from './nest11.mjs';
import { ensureServices, stopStarted, urls } from './services.mjs';

const extraArgs = process.argv.slice(2);
let started = [];
let passed = 0;
let failed = 0;

/** Runs Vitest with a JSON report and adds its counts; a file that fails to load counts as a failure. */
function runVitest(name, args, env = {}) {
  const report = `.test-results/${name}.json`;
  const run = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counted = 0;
  try {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    counted = result.numFailedTests;
    const unloaded = result.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
    failed += unloaded;
    counted += unloaded;
  } catch {
    console.error(`${name}: the test runner produced no report (exit code ${run.status}).`);
  }
  if (run.status !== 0 && counted === 0) failed++;
}

try {
  started = await ensureServices();
  Object.assign(process.env, urls);
  mkdirSync('.test-results', { recursive: true });

  const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (typecheck.status === 0) passed++;
  else {
    failed++;
    console.error('Type check failed (see above).');
  }

  runVitest('vitest', extraArgs);
  if (extraArgs.length === 0) {
    // The library's suites again on Nest 11 (core, outbox on SQLite, inbox on SQLite, readme):
    // scripts/nest11.mjs, vitest.nest11.config.ts. Counted in the closing line like the others.
    const started = Date.now();
    console.log('\n== The library on Nest 11 (test/core, test/outbox and test/inbox on SQLite, test/readme)');
    const installMs = ensureNest11();
    runVitest('nest11', ['--config', 'vitest.nest11.config.ts'], { CQRS_BROKER_NEST_MODULES: nest11Modules, TEST_DATABASES: 'sqlite' });
    console.log(`Nest 11 run: ${Math.round((Date.now() - started) / 1000)} s (install of .nest11: ${installMs ? `${Math.round(installMs / 1000)} s` : 'cached'})`);
  } else {
    console.log('Nest 11 run not started: npm test was given arguments (it runs on a full npm test).');
  }
  if (process.env.FAULTS_EVENTS) {
    console.log(`\n== Fault-injection suite, ${process.env.FAULTS_EVENTS} events per scenario`);
    runVitest('faults', ['--config', 'vitest.faults.config.ts']);
  }
} catch (error) {
  failed++;
  console.error(error.message);
} finally {
  stopStarted(started);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
