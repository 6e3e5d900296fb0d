// Which Nest the suites run on: the workspace's Nest 12, or Nest 11 in the run of
// vitest.nest11.config.ts (CQRS_BROKER_NEST_MAJOR=11). Both ways of loading a package, Vite's
// imports and Node's require (the library's optional-peer loader), must reach the same copy.
import { NestFactory } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { optionalPeerIfInstalled } from '../../libs/cqrs-broker/src/optional-peer.js';

const expectedMajor = Number(process.env.CQRS_BROKER_NEST_MAJOR ?? 12);
const require = createRequire(import.meta.url);

/** The version of the package `require` resolves `name` to (its package.json, found from its entry file). */
function requiredVersion(name: string): string {
  let folder = dirname(require.resolve(name));
  while (!folder.endsWith(join('node_modules', ...name.split('/')))) folder = dirname(folder);
  return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
}

describe(`the Nest line of this run (Nest ${expectedMajor})`, () => {
  it.each(['@nestjs/common', '@nestjs/core', '@nestjs/microservices', '@nestjs/testing'])('%s is of that major', (name) => {
    expect(Number(requiredVersion(name).split('.')[0])).toBe(expectedMajor);
  });

  it('imports and the library\'s require of an optional peer reach the same copy of @nestjs (one class per DI token)', () => {
    expect(require('@nestjs/core').NestFactory).toBe(NestFactory);
    expect(optionalPeerIfInstalled<{ SchedulerRegistry: unknown }>('@nestjs/schedule')?.SchedulerRegistry).toBe(SchedulerRegistry);
  });
});
