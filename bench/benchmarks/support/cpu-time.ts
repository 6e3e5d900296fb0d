// CPU time per event, read from the OS: this process (the relay, or the raw
// client) from process.cpuUsage(), and the database server's work for it from
// /proc/<pid>/stat. PostgreSQL: the backends of our connections (application_name
// BENCH_APP_NAME, and the walsender of our slot), each a process of its own.
// MariaDB runs every connection as a thread of one process: the whole mariadbd
// (so other clients of the server count too; the report says so).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/** application_name of the benchmarks' PostgreSQL connections. */
export const BENCH_APP_NAME = 'nestjs-cqrs-broker-bench';
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of a process in µs, or undefined once it has exited. */
function processCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return undefined;
  }
}

export interface CpuSample {
  readonly self: NodeJS.CpuUsage;
  readonly database: Map<number, number>;
}

/** The database processes doing our work now. */
async function databasePids(dataSource: DataSource, slotName?: string): Promise<number[]> {
  if (dataSource.options.type === 'postgres') {
    const rows: Array<{ pid: number }> = await dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR application_name = $2`,
      [BENCH_APP_NAME, slotName ? `cqrs-outbox-relay:${slotName}` : ''],
    );
    return rows.map((r) => Number(r.pid));
  }
  try {
    return execFileSync('pidof', ['mariadbd']).toString().trim().split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

export async function sampleCpu(dataSource: DataSource, slotName?: string): Promise<CpuSample> {
  const database = new Map<number, number>();
  for (const pid of await databasePids(dataSource, slotName)) {
    const us = processCpuUs(pid);
    if (us !== undefined) database.set(pid, us);
  }
  return { self: process.cpuUsage(), database };
}

/** µs of CPU the database's processes doing our work spent since `before` (a backend that appeared since started from zero). */
export async function databaseCpuUs(dataSource: DataSource, before: CpuSample, slotName?: string): Promise<number> {
  const after = await sampleCpu(dataSource, slotName);
  let database = 0;
  for (const [pid, us] of after.database) database += us - (before.database.get(pid) ?? 0);
  return database;
}

/** µs of CPU per event between two samples: this process, the database's processes, and both. */
export async function cpuPerEvent(dataSource: DataSource, before: CpuSample, events: number, slotName?: string): Promise<{ relay: number; database: number; total: number }> {
  const after = await sampleCpu(dataSource, slotName);
  const self = process.cpuUsage(before.self);
  let database = 0;
  // A backend that appeared during the run started from zero.
  for (const [pid, us] of after.database) database += us - (before.database.get(pid) ?? 0);
  const relay = (self.user + self.system) / events;
  return { relay, database: database / events, total: relay + database / events };
}
