// The suite's one table: a row per scenario run, appended as each finishes,
// printed at the end and written as Markdown.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultRow {
  readonly scenario: string;
  readonly broker: string;
  readonly database: string;
  readonly events: number;
  readonly delivered: number | null;
  readonly duplicates: number | null;
  readonly handled: number | null;
  readonly lost: number | null;
  /** From the fault until the last event was handled (null: not applicable). */
  readonly recoveryMs: number | null;
  readonly wallMs: number;
  readonly pass: boolean;
  /** What else was checked or seen (dead letters, leases, status codes, …). */
  readonly note: string;
}

const resultsFile = (dir: string) => join(dir, 'results.jsonl');

export function recordResult(dir: string, row: ResultRow): void {
  appendFileSync(resultsFile(dir), JSON.stringify(row) + '\n');
}

export function readResults(dir: string): ResultRow[] {
  const file = resultsFile(dir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ResultRow);
}

const HEADERS = ['scenario', 'broker', 'database', 'events', 'delivered', 'duplicates', 'handled', 'lost', 'recovery', 'result'];
const num = (n: number | null) => (n === null ? '–' : n.toLocaleString('en-US'));
const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

function cells(row: ResultRow): string[] {
  return [row.scenario, row.broker, row.database, num(row.events), num(row.delivered), num(row.duplicates), num(row.handled), num(row.lost), seconds(row.recoveryMs), row.pass ? 'pass' : 'FAIL'];
}

/** A fixed-width table for the terminal. */
export function textTable(rows: readonly ResultRow[]): string {
  const all = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 && i <= 8 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cells(r)))].join('\n');
}

/** The Markdown table (with the notes as a list under it). */
export function markdownTable(rows: readonly ResultRow[], { notes = true }: { notes?: boolean } = {}): string {
  const align = HEADERS.map((_, i) => (i >= 3 && i <= 8 ? '---:' : '---'));
  const table = [`| ${HEADERS.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join('\n');
  if (!notes) return `${table}\n`;
  const list = rows.map((r) => `- **${r.scenario}**, ${r.broker}, ${r.database}: ${r.note}`).join('\n');
  return `${table}\n\n${list}\n`;
}
