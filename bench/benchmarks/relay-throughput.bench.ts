// Issue 5, item 3: the relay draining a backlog from PostgreSQL and from MariaDB
// to RabbitMQ (or Kafka), against the same client publishing the same payloads
// in the same batch size with nothing else to do: the broker's own limit.
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { createOutboxDialect, OutboxRelay, OutboxWakeup, type OutboxClaimMode } from 'nestjs-cqrs-broker/outbox';
import type { BrokerMessage, MessageBroker } from 'nestjs-cqrs-broker';
import type { DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';
import { benchMessage, eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { CountingBroker } from './support/counting-broker.js';
import { cpuPerEvent, sampleCpu } from './support/cpu-time.js';
import { analyze, dropSlot, dropTable, openOutboxDataSource, seedBacklog, seedWalBacklog, truncate, waitUntilDrained } from './support/databases.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { AmqpSink, createKafkaTopic, deleteKafkaTopic, RawAmqpPublisher, RawKafkaPublisher } from './support/raw-clients.js';
import { AMQP_URL, DATABASE_LABEL, KAFKA_BROKERS, type BenchDatabase } from './support/services.js';

const BATCH_SIZE = 100;
/** Issue 15: the relay at ≥ 0.8× the raw client's events/s from each database (PostgreSQL in either mode)… */
const GOAL = 0.8;
/** …and its CPU per event (relay + database) at most half the PostgreSQL lease relay's, in the best mode. */
const CPU_GOAL = 0.5;
const KAFKA_PARTITIONS = 3;
const DRAIN_TIMEOUT_MS = 300_000;

type Target = 'rabbitmq' | 'kafka';
const TARGET_LABEL: Record<Target, string> = { rabbitmq: 'RabbitMQ', kafka: 'Kafka' };
const DATABASES: readonly BenchDatabase[] = ['postgres', 'mariadb'];

interface RawPublisher {
  publishBatch(messages: readonly BrokerMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Throughput of the relay from each database vs the raw client, for one broker. */
function relayThroughputBenchmark(target: Target): Benchmark {
  const relaySide = (db: BenchDatabase) => `relay ${DATABASE_LABEL[db]} → ${TARGET_LABEL[target]}`;
  /** Issue 15: the table relay with relay.claim 'lock' (row locks held across the publish, one UPDATE per batch). */
  const lockSide = (db: BenchDatabase) => `relay ${DATABASE_LABEL[db]}, claim lock → ${TARGET_LABEL[target]}`;
  const walSide = `relay PostgreSQL WAL (logical replication) → ${TARGET_LABEL[target]}`;
  /** CPU µs per event of each measured run, per side. */
  const cpu = new Map<string, Array<{ relay: number; database: number; total: number }>>();
  const recordCpu = (side: string, figures: { relay: number; database: number; total: number }) => {
    const list = cpu.get(side) ?? [];
    list.push(figures);
    cpu.set(side, list);
  };
  const rawSide = target === 'rabbitmq' ? 'raw amqplib, confirm channel' : 'raw kafkajs, acks=-1';
  const state: {
    template?: EventTemplate;
    table?: string;
    exchange?: string;
    sink?: AmqpSink;
    dataSources: Partial<Record<BenchDatabase, DataSource>>;
    broker?: MessageBroker;
    raw?: RawPublisher;
  } = { dataSources: {} };

  const newBroker = (): MessageBroker =>
    target === 'rabbitmq'
      ? new AmqpMessageBroker({ url: AMQP_URL, exchange: state.exchange!, connectionName: 'bench-relay' })
      : new KafkaMessageBroker({ client: { brokers: KAFKA_BROKERS, clientId: 'bench-relay', logLevel: 0 } });

  const relayRun =
    (db: BenchDatabase, claim: OutboxClaimMode = 'lease'): Side['run'] =>
    async (ops, { warmup }) => {
      const dataSource = state.dataSources[db]!;
      await truncate(dataSource, state.table!);
      await seedBacklog(dataSource, state.table!, state.template!, 1, ops);
      await analyze(dataSource, state.table!);
      await state.sink?.purge();
      const broker = new CountingBroker(state.broker!);
      const relay = new OutboxRelay({
        dialect: createOutboxDialect(dataSource, state.table!),
        broker,
        wakeup: new OutboxWakeup(),
        listen: false,
        options: { batchSize: BATCH_SIZE, pollIntervalMs: 100, claim },
      });
      const published = broker.expect(ops);
      const cpu0 = await sampleCpu(dataSource);
      const t0 = process.hrtime.bigint();
      relay.start();
      await published;
      await waitUntilDrained(dataSource, state.table!, DRAIN_TIMEOUT_MS, 5);
      const elapsed = Number(process.hrtime.bigint() - t0);
      if (!warmup) recordCpu(claim === 'lock' ? lockSide(db) : relaySide(db), await cpuPerEvent(dataSource, cpu0, ops));
      await relay.stop();
      return elapsed;
    };

  // Change capture: the backlog is WAL messages (one event per transaction) in a slot made for the run;
  // the relay is done when the broker accepted every event (it acknowledges as it goes; there is nothing to mark).
  const walRelayRun: Side['run'] = async (ops, { warmup }) => {
    const dataSource = state.dataSources.postgres!;
    const slotName = uniqueName('bench_slot');
    const dialect = createOutboxDialect(dataSource, state.table!);
    await dialect.prepareChangeCapture(slotName);
    try {
      await seedWalBacklog(dataSource, state.table!, state.template!, 1, ops);
      await state.sink?.purge();
      const broker = new CountingBroker(state.broker!);
      const relay = new OutboxRelay({
        dialect,
        broker,
        wakeup: new OutboxWakeup(),
        listen: false,
        options: { batchSize: BATCH_SIZE, pollIntervalMs: 100, source: 'logical-replication', slotName },
      });
      const published = broker.expect(ops);
      const cpu0 = await sampleCpu(dataSource, slotName);
      const t0 = process.hrtime.bigint();
      await relay.start();
      await published;
      const elapsed = Number(process.hrtime.bigint() - t0);
      if (!warmup) recordCpu(walSide, await cpuPerEvent(dataSource, cpu0, ops, slotName));
      await relay.stop();
      return elapsed;
    } finally {
      await dropSlot(dataSource, slotName);
    }
  };

  const rawRun: Side['run'] = async (ops, { warmup }) => {
    const messages: BrokerMessage[] = [];
    for (let n = 1; n <= ops; n++) messages.push(benchMessage(state.template!, n));
    await state.sink?.purge();
    const cpu0 = await sampleCpu(state.dataSources.postgres!);
    const t0 = process.hrtime.bigint();
    for (let start = 0; start < messages.length; start += BATCH_SIZE) await state.raw!.publishBatch(messages.slice(start, start + BATCH_SIZE));
    const elapsed = Number(process.hrtime.bigint() - t0);
    if (!warmup) recordCpu(rawSide, { ...(await cpuPerEvent(state.dataSources.postgres!, cpu0, ops)), database: 0 });
    return elapsed;
  };

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  return {
    name: `relay-${target}`,
    description: `Relay throughput draining a backlog of pending rows (seeded in SQL, not timed) from PostgreSQL and from MariaDB to ${TARGET_LABEL[target]}, batch size ${BATCH_SIZE}, until every row is marked published; vs the raw ${target === 'rabbitmq' ? 'amqplib client publishing the same payloads on a confirm channel (a batch, then its confirms)' : `kafkajs producer publishing the same payloads with acks=-1 (one sendBatch per batch)`}, same batch size, nothing else to do. ${target === 'rabbitmq' ? 'Persistent messages into a durable topic exchange with one bound durable queue (purged before each run).' : `A ${KAFKA_PARTITIONS}-partition topic on the single-node Kafka.`}`,
    packages: ['nestjs-cqrs-broker', 'typeorm', 'pg', 'mysql2', ...(target === 'rabbitmq' ? ['amqplib', 'amqp-connection-manager'] : ['kafkajs'])],
    unit: { label: 'µs/event', ns: 1e3 },
    perSecond: 'events',
    size: { rounds: 3, opsPerRound: 100_000, warmupRounds: 1, warmupOps: 5_000 },
    quickSize: { rounds: 2, opsPerRound: 5_000, warmupRounds: 1 },
    sides: [
      ...DATABASES.map((db) => ({ name: relaySide(db), run: relayRun(db) })),
      ...DATABASES.map((db) => ({ name: lockSide(db), note: "relay.claim 'lock': no lease UPDATE, the batch's transaction holds its rows across the publish.", run: relayRun(db, 'lock') })),
      { name: walSide, note: 'relay.source logical-replication: WAL messages, no table rows.', run: walRelayRun },
      { name: rawSide, note: 'the upper bound: no database, messages prebuilt in memory (not timed).', run: rawRun },
    ],
    ratios: [
      ...DATABASES.map((db) => ({ numerator: relaySide(db), denominator: rawSide })),
      ...DATABASES.map((db) => ({ numerator: lockSide(db), denominator: rawSide })),
      ...DATABASES.map((db) => ({ numerator: lockSide(db), denominator: relaySide(db) })),
      { numerator: walSide, denominator: rawSide },
    ],
    goal: `The relay publishes at least ${GOAL}× the raw client's events/s from each database (PostgreSQL: the table with either claim, or the WAL; MariaDB: either claim), and its CPU time per event (relay + database) in its best mode is at most ${CPU_GOAL}× that of the PostgreSQL table relay with the lease claim.`,
    evaluateGoal(result) {
      const vsRaw = (side: string) => 1 / ratioResult(result, side, rawSide).ofMedians;
      const modes = {
        PostgreSQL: [relaySide('postgres'), lockSide('postgres'), walSide],
        MariaDB: [relaySide('mariadb'), lockSide('mariadb')],
      };
      const rates = Object.entries(modes).map(([label, sides]) => ({ label, sides: sides.map((side) => ({ side, rate: vsRaw(side) })) }));
      const best = rates.map(({ label, sides }) => ({ label, rate: Math.max(...sides.map((s) => s.rate)) }));
      const totals = [...cpu].filter(([side]) => side !== rawSide).map(([side, runs]) => ({ side, total: median(runs.map((c) => c.total)) }));
      const baseline = totals.find((t) => t.side === relaySide('postgres'))?.total;
      const cheapest = totals.reduce((a, b) => (b.total < a.total ? b : a), totals[0]);
      const cpuRatio = baseline && cheapest ? cheapest.total / baseline : NaN;
      return {
        met: best.every(({ rate }) => rate >= GOAL) && cpuRatio <= CPU_GOAL,
        detail: `${rates.map(({ label, sides }) => `${label}: ${sides.map(({ side, rate }) => `${side.replace(` → ${TARGET_LABEL[target]}`, '')} ${rate.toFixed(2)}×`).join(', ')}`).join('; ')} raw events/s (inverse of the ratio of median times), target ≥ ${GOAL}× from each database; CPU per event: cheapest ${cheapest ? `${cheapest.side.replace(` → ${TARGET_LABEL[target]}`, '')} ${cpuRatio.toFixed(2)}×` : 'not measured'} the PostgreSQL lease relay's, target ≤ ${CPU_GOAL}×.`,
      };
    },
    extraTables() {
      const tableCpu = cpu.get(relaySide('postgres'));
      const baseline = tableCpu?.length ? median(tableCpu.map((c) => c.total)) : undefined;
      return [
        {
          title: 'CPU time per event (µs, median of measured rounds): this process (relay or raw client) + the database server processes doing its work',
          header: ['side', 'relay process', 'database', 'total', 'total / PostgreSQL table relay'],
          rows: [...cpu].map(([side, runs]) => {
            const total = median(runs.map((c) => c.total));
            return [
              side,
              median(runs.map((c) => c.relay)).toFixed(1),
              side === rawSide ? '—' : `${median(runs.map((c) => c.database)).toFixed(1)}${side.includes('MariaDB') ? ' (whole mariadbd)' : ''}`,
              total.toFixed(1),
              baseline ? `${(total / baseline).toFixed(2)}×` : '—',
            ];
          }),
        },
      ];
    },
    async setup() {
      quietNestLogs();
      cpu.clear();
      state.template = eventTemplate(uniqueName('bench_relay'));
      state.table = uniqueName('bench_outbox');
      for (const db of DATABASES) state.dataSources[db] = await openOutboxDataSource(db, state.table);
      if (target === 'rabbitmq') {
        state.exchange = uniqueName('bench.relay');
        state.sink = await AmqpSink.open(state.exchange, uniqueName('bench.relay.q'));
        state.raw = await RawAmqpPublisher.open(state.exchange);
      } else {
        await createKafkaTopic(state.template.topic, KAFKA_PARTITIONS);
        state.raw = await RawKafkaPublisher.open();
      }
      state.broker = newBroker();
    },
    async teardown() {
      await state.broker?.close?.();
      await state.raw?.close();
      await state.sink?.close();
      if (target === 'kafka' && state.template) await deleteKafkaTopic(state.template.topic);
      for (const dataSource of Object.values(state.dataSources)) {
        await dropTable(dataSource, state.table!);
        await dataSource.destroy();
      }
      state.dataSources = {};
    },
  };
}

export const relayRabbitmqBenchmark = relayThroughputBenchmark('rabbitmq');
export const relayKafkaBenchmark = relayThroughputBenchmark('kafka');
