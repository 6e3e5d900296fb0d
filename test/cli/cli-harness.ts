// Runs the `cqrs-broker` CLI as users do: a child process of the compiled package. The library
// is compiled once per source version into .test-results/ (the sources' hash names the folder),
// so a test never runs a stale libs/cqrs-broker/dist.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const lib = join(root, 'libs/cqrs-broker');

function sourcesHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) hash.update(relative(lib, path)).update(readFileSync(path));
    }
  };
  walk(join(lib, 'src'));
  hash.update(readFileSync(join(lib, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/** The compiled CLI entry (`dist/cli/main.js` of a package copy), built if this source version was not built yet. */
export function builtCli(): string {
  const target = join(root, '.test-results', `cli-build-${sourcesHash()}`);
  const main = join(target, 'dist/cli/main.js');
  if (existsSync(join(target, 'done'))) return main;
  const scratch = `${target}-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(lib, 'tsconfig.lib.json'), '--outDir', join(scratch, 'dist'), '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'],
    { stdio: 'inherit' },
  );
  copyFileSync(join(lib, 'package.json'), join(scratch, 'package.json'));
  writeFileSync(join(scratch, 'done'), '');
  try {
    renameSync(scratch, target);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another worker finished first
  }
  return main;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cqrs-broker ...args` with `env` on top of a clean environment (no DATABASE_URL / BROKER_URL unless given). */
export function runCli(main: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { DATABASE_URL: _d, BROKER_URL: _b, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { env: { ...inherited, ...env }, cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Log lines as the CLI's logger and Nest's would print them: none may reach stdout. */
export const LOG_LINE = /^(LOG|WARN|ERROR|DEBUG|VERBOSE|FATAL)\b|\[Nest\]|KafkaJS/m;
