import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (path: string) => fileURLToPath(new URL(`./libs/cqrs-broker/src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the library's sources, as the apps' tsconfig paths do.
    alias: [
      { find: /^nestjs-cqrs-broker$/, replacement: lib('index.ts') },
      { find: /^nestjs-cqrs-broker\/outbox$/, replacement: lib('outbox/index.ts') },
      { find: /^nestjs-cqrs-broker\/inbox$/, replacement: lib('inbox/index.ts') },
      { find: /^nestjs-cqrs-broker\/kafka$/, replacement: lib('brokers/kafka/index.ts') },
      { find: /^nestjs-cqrs-broker\/amqp$/, replacement: lib('brokers/amqp/index.ts') },
      { find: /^nestjs-cqrs-broker\/testing$/, replacement: lib('testing/index.ts') },
      { find: /^nestjs-cqrs-broker\/saga$/, replacement: lib('saga/index.ts') },
      { find: /^nestjs-cqrs-broker\/health$/, replacement: lib('health/index.ts') },
      { find: /^nestjs-cqrs-broker\/admin$/, replacement: lib('admin/index.ts') },
    ],
  },
  test: {
    globals: true,
    include: ['test/**/*.spec.ts', 'libs/**/*.spec.ts', 'apps/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
