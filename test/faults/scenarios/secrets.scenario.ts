import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from '../support/paths.js';
import { SECRET } from '../support/services.js';
import type { Scenario } from './scenario.js';

function logFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? logFiles(path) : name.endsWith('.log') ? [path] : [];
  });
}

/**
 * Logs never contain passwords. Every process of the run got the password
 * in its URLs (PostgreSQL, the MariaDB relay user, the RabbitMQ user), and
 * the faults above made them log connection errors: search every log of the
 * run for it. Runs last; on its own (FAULTS_ONLY) it starts one stack per broker first.
 */
export const secrets: Scenario = {
  name: 'logs hold no password',
  slug: 'secrets',
  runs: [{ broker: 'n/a', database: 'postgres' }],
  async run() {
    const files = logFiles(runDir());
    let bytes = 0;
    const leaks: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      bytes += text.length;
      const at = text.indexOf(SECRET);
      if (at >= 0) leaks.push(`${file.slice(runDir().length + 1)}: …${text.slice(Math.max(0, at - 80), at + 20).replace(/\s+/g, ' ')}…`);
      if (/:\/\/[^\s:/@]+:(?!\*\*\*)[^\s@/]+@/.test(text)) {
        const match = /\S*:\/\/[^\s:/@]+:(?!\*\*\*)[^\s@/]+@\S*/.exec(text)!;
        leaks.push(`${file.slice(runDir().length + 1)}: unredacted credentials in ${match[0].slice(0, 120)}`);
      }
    }
    const failures = files.length === 0 ? ['no logs to search (run it with the other scenarios)'] : leaks;
    return {
      events: files.length,
      delivered: null,
      duplicates: null,
      handled: null,
      lost: null,
      recoveryMs: null,
      pass: failures.length === 0,
      note: [`searched ${files.length} process logs (${(bytes / 1e6).toFixed(1)} MB) for the password in the URLs`, ...failures].join('; '),
      failures,
    };
  },
};
