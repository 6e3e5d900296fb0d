import type { LoggerService } from '@nestjs/common';
import { redactUrl } from '../brokers/redact-url.js';

/**
 * Exit codes of `cqrs-broker`.
 * @publicApi
 */
export const CliExitCode = {
  /** Done. */
  ok: 0,
  /** The command failed: database or broker unreachable, a query or publish failed. */
  failure: 1,
  /** The command line was wrong: unknown command or option, missing or invalid argument or URL. */
  usage: 2,
  /** An event id given on the command line matched nothing (`outbox replay <id>`, `dlq inspect <id>`, `dlq replay --event-id`). */
  notFound: 3,
} as const;

/** One of the {@link CliExitCode} values. @publicApi */
export type CliExitCode = (typeof CliExitCode)[keyof typeof CliExitCode];

/** Where a command writes: its result on stdout (JSON with `--json`), everything else on stderr. */
export interface CliIo {
  readonly json: boolean;
  /** The command's result: JSON of `value` with `--json`, else `text()`. */
  result(value: unknown, text: () => string): void;
  /** A note for people (stderr). */
  note(line: string): void;
}

export function cliIo(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): CliIo {
  return {
    json,
    result: (value, text) => void stdout.write(json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : `${text()}\n`),
    note: (line) => void stderr.write(`${line}\n`),
  };
}

/** Buffers as their text (or base64 when they are not UTF-8), bigints as strings. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return bodyText(Buffer.from((value as { data: number[] }).data));
  }
  return value;
}

/** A body for people and JSON: its parsed JSON, else its text, else base64. */
export function bodyText(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(body)) return { base64: body.toString('base64') };
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows as aligned columns, for people. */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (!rows.length) return '(none)';
  const cell = (value: unknown) => (value === undefined || value === null ? '' : value instanceof Date ? value.toISOString() : String(value).replace(/\s+/g, ' '));
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => Math.min(row[i].length, 80))));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (value.length > 80 ? `${value.slice(0, 79)}…` : value).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

/**
 * Every log line on stderr, whatever logs it (Nest's Logger, which kafkajs
 * and the AMQP connection write through): stdout carries only the result.
 * Warnings and errors by default; everything with `verbose`.
 */
export class StderrLogger implements LoggerService {
  constructor(
    private readonly showAll: boolean,
    private readonly scrub: (text: string) => string,
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    if (this.showAll) this.write('LOG', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('WARN', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('ERROR', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('FATAL', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    if (this.showAll) this.write('DEBUG', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    if (this.showAll) this.write('VERBOSE', message, rest);
  }

  private write(level: string, message: unknown, rest: unknown[]): void {
    // Nest passes the context last (after an optional stack for errors).
    const context = typeof rest[rest.length - 1] === 'string' ? String(rest[rest.length - 1]) : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    process.stderr.write(`${this.scrub(`${level}${context ? ` [${context}]` : ''} ${text}`)}\n`);
  }
}

/** URLs in `text` redacted, and each of `secrets` (4 characters or more) masked wherever it appears. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}

/** The password of a URL (raw and decoded), to mask wherever it might be echoed. */
export function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url.trim());
  if (!match) return [];
  const colon = match[1].indexOf(':');
  if (colon === -1) return [];
  const raw = match[1].slice(colon + 1);
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form only
  }
  return [...new Set([raw, decoded])];
}
