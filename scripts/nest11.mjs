// The Nest 11 line for `npm test`: installs Nest 11's packages into .nest11/node_modules (git-ignored)
// once per dependency list, and runs the suites listed in vitest.nest11.config.ts with every
// `@nestjs/*` import resolved there (Vite aliases for imports, test/nest11/redirect.cjs for
// require() and createRequire). Everything else (rxjs, typeorm, kafkajs, …) stays the workspace's:
// .nest11 sits inside the repository, so Node finds those one level up, as one copy.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const nest11Dir = join(repoRoot, '.nest11');
export const nest11Modules = join(nest11Dir, 'node_modules');

/** What most Nest 11 apps run (the packages the suites and the README examples import). */
export const NEST11_DEPENDENCIES = {
  '@nestjs/common': '^11.1.0',
  '@nestjs/core': '^11.1.0',
  '@nestjs/microservices': '^11.1.0',
  '@nestjs/testing': '^11.1.0',
  '@nestjs/schedule': '^6.0.0',
  '@nestjs/cqrs': '^11.0.0',
  '@nestjs/typeorm': '^11.0.0',
  '@nestjs/config': '^4.0.0',
  '@nestjs/terminus': '^11.0.0',
};

/** Installs .nest11 unless the installed dependency list is this one; returns how long it took (0 when cached). */
export function ensureNest11() {
  const key = createHash('sha256').update(JSON.stringify({ NEST11_DEPENDENCIES, node: process.versions.modules })).digest('hex').slice(0, 12);
  const stamp = join(nest11Modules, '.install-key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return 0;
  const started = Date.now();
  rmSync(nest11Dir, { recursive: true, force: true });
  mkdirSync(nest11Dir, { recursive: true });
  writeFileSync(join(nest11Dir, 'package.json'), JSON.stringify({ name: 'nest11-line', private: true, dependencies: NEST11_DEPENDENCIES }, null, 2));
  // Peers are not installed here (--legacy-peer-deps): rxjs, reflect-metadata, typeorm, … are the workspace's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_|^INIT_CWD$/i.test(name)));
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps', '--ignore-scripts', '--no-package-lock', '--prefer-offline'], {
    cwd: nest11Dir,
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) throw new Error(`npm install of the Nest 11 line in ${nest11Dir} failed (exit ${install.status})`);
  writeFileSync(stamp, key);
  return Date.now() - started;
}

/** The installed version of `name` in the Nest 11 line. */
export function nest11Version(name) {
  return JSON.parse(readFileSync(join(nest11Modules, name, 'package.json'), 'utf8')).version;
}
