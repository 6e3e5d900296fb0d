import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { CqrsBrokerException } from '../errors/cqrs-broker.exception.js';
import { CqrsBrokerErrorCode } from '../errors/error-codes.js';
import { CliUsageException } from '../errors/cli-usage.exception.js';
import { parseCommandArgs, type CliCommand } from './cli-command.js';
import { cliIo, CliExitCode, scrubSecrets, secretsOf, StderrLogger } from './cli-io.js';
import { DLQ_COMMANDS } from './dlq.command.js';
import { OUTBOX_COMMANDS } from './outbox.command.js';
import { SAGA_COMMANDS } from './saga.command.js';

const GROUPS: Readonly<Record<string, { summary: string; commands: readonly CliCommand[] }>> = {
  outbox: { summary: 'the transactional outbox (DATABASE_URL)', commands: OUTBOX_COMMANDS },
  dlq: { summary: 'dead letters of a Kafka topic or RabbitMQ queue (BROKER_URL)', commands: DLQ_COMMANDS },
  saga: { summary: 'orchestrated sagas: list, show, retry, compensate, diagram (DATABASE_URL)', commands: SAGA_COMMANDS },
};

const EXIT_CODES_HELP = `Exit codes: 0 done, 1 failed (database or broker unreachable, query or publish
failed), 2 wrong command line (unknown command or option, bad URL), 3 an id or
name given matched nothing (an event id, a saga id or a saga name).`;

const HELP = `Usage: cqrs-broker <group> <command> [options]

${Object.entries(GROUPS)
  .flatMap(([group, { summary, commands }]) => [`${group}: ${summary}`, ...commands.map((command) => `  ${`${group} ${command.name}`.padEnd(16)}${command.summary}`), ''])
  .join('\n')}
Every command takes --help, and --json for a machine-readable result on stdout;
logs always go to stderr. URLs are never printed with their password.

${EXIT_CODES_HELP}

  -h, --help     this help
  -v, --version  the package version`;

function groupHelp(group: string): string {
  const { summary, commands } = GROUPS[group];
  return `Usage: cqrs-broker ${group} <command> [options]   (${summary})

${commands.map((command) => `  ${command.name.padEnd(10)}${command.summary}`).join('\n')}

Run cqrs-broker ${group} <command> --help for its options.`;
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Runs the `cqrs-broker` command line `argv` (without `node` and the script)
 * and resolves with its exit code ({@link CliExitCode}). The result goes to
 * stdout; every log line, note and error goes to stderr, with URLs redacted
 * and the passwords of the URLs given masked.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliExitCode> {
  const secrets: string[] = [];
  const scrub = (text: string) => scrubSecrets(text, secrets);
  const verbose = argv.includes('--verbose');
  Logger.overrideLogger(new StderrLogger(verbose, scrub));
  // Anything a library prints with console.log/info/debug is a log line too: keep stdout for the result.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  const [group, name, ...rest] = argv;
  const json = argv.includes('--json');
  const io = cliIo(json);
  try {
    if (group === '-v' || group === '--version') {
      io.result({ version: version() }, version);
      return CliExitCode.ok;
    }
    if (group === undefined || group === '-h' || group === '--help' || group === 'help') {
      (group === undefined ? process.stderr : process.stdout).write(`${HELP}\n`);
      return group === undefined ? CliExitCode.usage : CliExitCode.ok;
    }
    const commands = GROUPS[group]?.commands;
    if (!commands) throw new CliUsageException(`unknown command "${group}": use ${Object.keys(GROUPS).join(' or ')} (see --help)`);
    if (name === undefined || name === '-h' || name === '--help') {
      (name === undefined ? process.stderr : process.stdout).write(`${groupHelp(group)}\n`);
      return name === undefined ? CliExitCode.usage : CliExitCode.ok;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new CliUsageException(`unknown command "${group} ${name}": use ${commands.map((c) => c.name).join(', ')} (see cqrs-broker ${group} --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.help}\n\n${EXIT_CODES_HELP}\n`);
      return CliExitCode.ok;
    }
    const { values, positionals } = parseCommandArgs(command, rest);
    return await command.run({ values, positionals, io, env, secret: (url) => secrets.push(...secretsOf(url)) });
  } catch (error) {
    process.stderr.write(`cqrs-broker: ${scrub(describe(error))}\n`);
    return isUsageError(error) ? CliExitCode.usage : CliExitCode.failure;
  }
}

/** Wrong command line or URL (exit 2), as opposed to a failure of the database or broker. */
function isUsageError(error: unknown): boolean {
  if (!(error instanceof CqrsBrokerException)) return false;
  const usage: readonly string[] = [CqrsBrokerErrorCode.CliUsage, CqrsBrokerErrorCode.InvalidBrokerUrl, CqrsBrokerErrorCode.InvalidDatabaseUrl, CqrsBrokerErrorCode.UnsupportedDatabase, CqrsBrokerErrorCode.InvalidTableName];
  return usage.includes(error.code);
}

/** One line: the message, and its cause's when the message does not already say it. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return (cause && !message.includes(cause) ? `${message}: ${cause}` : message).replace(/\s*\n\s*/g, ' ');
}
