// The library's suites on Nest 11 (scripts/test.mjs runs it after the main run; scripts/nest11.mjs
// installs .nest11). `@nestjs/*` imports resolve in .nest11/node_modules (the aliases below; the
// workers preload test/nest11/redirect.cjs for require()); everything else is the workspace's.
// Databases: SQLite (TEST_DATABASES=sqlite, set by scripts/test.mjs); cases of a PostgreSQL-only
// feature (databaseNamed('postgres')) still run there.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

const modules = fileURLToPath(new URL('./.nest11/node_modules/', import.meta.url));
const nestPackages = ['common', 'core', 'microservices', 'testing', 'schedule', 'cqrs', 'typeorm', 'config', 'terminus'].filter((name) =>
  existsSync(`${modules}@nestjs/${name}/package.json`),
);

const config = mergeConfig(
  base,
  defineConfig({
    resolve: {
      alias: nestPackages.map((name) => ({ find: new RegExp(`^@nestjs/${name}(/.*)?$`), replacement: `${modules}@nestjs/${name}$1` })),
    },
    test: {
      env: { CQRS_BROKER_NEST_MAJOR: '11', CQRS_BROKER_NEST_MODULES: modules, TEST_DATABASES: 'sqlite' },
      execArgv: ['--require', fileURLToPath(new URL('./test/nest11/redirect.cjs', import.meta.url))],
    },
  }),
);

// Set, not merged: mergeConfig would append these to the base's lists.
config.test!.include = ['test/core/**/*.spec.ts', 'test/outbox/**/*.spec.ts', 'test/inbox/**/*.spec.ts', 'test/readme/**/*.spec.ts'];
// Needs PostgreSQL (the Nest 11 run is SQLite only).
config.test!.exclude = ['test/outbox/outbox-logical-replication.spec.ts', '**/node_modules/**'];

export default config;
