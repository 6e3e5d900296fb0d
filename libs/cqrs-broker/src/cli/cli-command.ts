import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageException } from '../errors/cli-usage.exception.js';
import type { CliExitCode, CliIo } from './cli-io.js';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `  --json              machine-readable result on stdout (logs always go to stderr)
  --verbose           also informational logs (stderr)
  -h, --help          this help`;

/** What a command gets: its parsed options and positionals, where to write, and the environment. */
export interface CliContext<TValues> {
  readonly values: TValues;
  readonly positionals: readonly string[];
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  /** Registers a secret (a URL's password) to mask in every message. */
  secret(url: string | undefined): void;
}

/** One subcommand: `cqrs-broker <group> <name>`. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(context: CliContext<Record<string, string | boolean | string[] | undefined>>): Promise<CliExitCode>;
}

/** Parses `args` for `command`, turning parseArgs's errors into {@link CliUsageException}. */
export function parseCommandArgs(command: CliCommand, args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageException(`${(error as Error).message.split('\n')[0]} (see --help)`, { cause: error });
  }
}

/** A positive integer option, or `fallback` when absent. */
export function positiveInteger(value: unknown, option: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new CliUsageException(`--${option} must be a non-negative integer, got "${String(value)}"`);
  return number;
}
