// A relay in a process of its own, for the memory and scale-out benchmarks
// (and for profiling: `node --cpu-prof dist/bench/benchmarks/support/relay-process.js`).
// Protocol over the fork IPC channel: the child sends `ready` (with its RSS)
// once connected; the parent sends `start`; the child reports `progress`
// (published so far) every 50 ms; the parent sends `stop`; the child stops the
// relay and sends `stopped` with its published count and peak RSS, then exits.
// Without an IPC channel (run by hand) it drains the table once and prints the figures.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { InMemoryMessageBroker, type MessageBroker } from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import { CountingBroker } from './counting-broker.js';
import { openDataSource } from './databases.js';
import { quietNestLogs } from './quiet-logs.js';
import { AMQP_URL, type BenchDatabase } from './services.js';

export interface RelayProcessConfig {
  readonly db: BenchDatabase;
  readonly table: string;
  readonly broker: 'memory' | 'rabbitmq';
  readonly exchange?: string;
  readonly batchSize: number;
  /** `relay.claim` (table source). @default 'lease' */
  readonly claim?: 'lease' | 'lock';
  /** With a slot name, `relay.source: 'logical-replication'` on that slot. */
  readonly slotName?: string;
}

export type RelayProcessMessage =
  | { type: 'ready'; rssKiB: number }
  | { type: 'progress'; published: number }
  | { type: 'stopped'; published: number; peakRssKiB: number; rssKiB: number; heapUsedKiB: number; cpuUserMs: number; cpuSystemMs: number; cpuSinceStartMs: number };

/** VmHWM (peak resident set) and VmRSS of this process, in KiB, from /proc. */
export function memoryKiB(pid: number | 'self' = 'self'): { peak: number; current: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: field('VmHWM'), current: field('VmRSS') };
}

async function main(): Promise<void> {
  quietNestLogs();
  const config: RelayProcessConfig = JSON.parse(process.env.BENCH_RELAY_CONFIG ?? process.argv[2]);
  const dataSource = await openDataSource(config.db, [], 4);
  const inner: MessageBroker =
    config.broker === 'rabbitmq' ? new AmqpMessageBroker({ url: AMQP_URL, exchange: config.exchange!, connectionName: 'bench-relay-process' }) : new InMemoryMessageBroker();
  const broker = new CountingBroker(inner);
  const relay = new OutboxRelay({
    dialect: createOutboxDialect(dataSource, config.table),
    broker,
    wakeup: new OutboxWakeup(),
    listen: false,
    options: {
      batchSize: config.batchSize,
      pollIntervalMs: 50,
      claim: config.claim ?? 'lease',
      ...(config.slotName ? { source: 'logical-replication' as const, slotName: config.slotName } : {}),
    },
  });
  // CPU from `start` on: start-up (loading modules, connecting) is left out of the per-event figure.
  let startedCpu: NodeJS.CpuUsage | undefined;
  const send = (message: RelayProcessMessage) => process.send?.(message);
  const finish = async () => {
    await relay.stop();
    await broker.close();
    await dataSource.destroy();
    const usage = process.resourceUsage();
    const memory = memoryKiB();
    return {
      type: 'stopped' as const,
      published: broker.count,
      peakRssKiB: memory.peak,
      rssKiB: memory.current,
      heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
      cpuUserMs: Math.round(usage.userCPUTime / 1000),
      cpuSystemMs: Math.round(usage.systemCPUTime / 1000),
      cpuSinceStartMs: startedCpu ? (() => { const since = process.cpuUsage(startedCpu); return Math.round((since.user + since.system) / 1000); })() : 0,
    };
  };

  if (!process.send) {
    const t0 = performance.now();
    const published = await relay.drain();
    const seconds = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ ...(await finish()), published, seconds, perSecond: Math.round(published / seconds) }));
    return;
  }
  let progress: ReturnType<typeof setInterval> | undefined;
  process.on('message', (message: { type: 'start' | 'stop' }) => {
    if (message.type === 'start') {
      startedCpu = process.cpuUsage();
      void relay.start();
      progress = setInterval(() => send({ type: 'progress', published: broker.count }), 50);
    } else if (message.type === 'stop') {
      clearInterval(progress);
      void finish().then((stopped) => {
        send(stopped);
        process.disconnect();
      });
    }
  });
  send({ type: 'ready', rssKiB: memoryKiB().current });
}

main().catch((error: unknown) => {
  process.stderr.write(`relay process failed: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
