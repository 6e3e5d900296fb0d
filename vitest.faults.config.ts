import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:faults`: the fault-injection suite (test/faults, docs/faults.md). Not part of `npm test`:
// its files end in .fault.ts. One scenario at a time: they share the machine's CPUs, databases and brokers.
const runDir = (process.env.FAULTS_RUN_DIR ??= fileURLToPath(
  new URL(`./.test-results/faults/run-${new Date().toISOString().replace(/[:.]/g, '-')}`, import.meta.url),
));
mkdirSync(runDir, { recursive: true });

export default defineConfig({
  // The same aliases as the main suite: the library's sources under its package name.
  resolve: base.resolve,
  test: {
    globals: true,
    include: ['test/faults/**/*.fault.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    env: { FAULTS_RUN_DIR: runDir },
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
