// `npm test`: starts the services the suites need, type-checks everything
// (the library, apps, tests and the README's examples), runs every suite, and
// ends with the plain line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ensureServices, stopStarted, urls } from './services.mjs';

const extraArgs = process.argv.slice(2);
let started = [];
let passed = 0;
let failed = 0;
try {
  started = await ensureServices();
  Object.assign(process.env, urls);

  const typecheck = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (typecheck.status === 0) passed++;
  else {
    failed++;
    console.error('Type check failed (see above).');
  }

  mkdirSync('.test-results', { recursive: true });
  const vitest = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.test-results/vitest.json', ...extraArgs],
    { stdio: 'inherit', env: process.env },
  );
  try {
    const report = JSON.parse(readFileSync('.test-results/vitest.json', 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A file that fails to load has no tests to count: count it as a failure.
    failed += report.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
  } catch {
    failed++;
    console.error(`The test runner produced no report (exit code ${vitest.status}).`);
  }
  if (vitest.status !== 0 && failed === 0) failed++;
} catch (error) {
  failed++;
  console.error(error.message);
} finally {
  stopStarted(started);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
