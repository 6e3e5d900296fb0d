// Issue 5, item 3: the relay draining a backlog from PostgreSQL and from MariaDB
// to RabbitMQ (or Kafka), against the same client publishing the same payloads
// in the same batch size with nothing else to do: the broker's own limit.
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import type { BrokerMessage, MessageBroker } from 'nestjs-cqrs-broker';
import type { DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { ratioResult, type BenchmarkResult } from '../harness/result.js';
import { benchMessage, eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { CountingBroker } from './support/counting-broker.js';
import { analyze, dropTable, openOutboxDataSource, seedBacklog, truncate, waitUntilDrained } from './support/databases.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { AmqpSink, createKafkaTopic, deleteKafkaTopic, RawAmqpPublisher, RawKafkaPublisher } from './support/raw-clients.js';
import { AMQP_URL, DATABASE_LABEL, KAFKA_BROKERS, type BenchDatabase } from './support/services.js';

const BATCH_SIZE = 100;
const GOAL = 0.7;
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
    (db: BenchDatabase): Side['run'] =>
    async (ops) => {
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
        options: { batchSize: BATCH_SIZE, pollIntervalMs: 100 },
      });
      const published = broker.expect(ops);
      const t0 = process.hrtime.bigint();
      relay.start();
      await published;
      await waitUntilDrained(dataSource, state.table!, DRAIN_TIMEOUT_MS, 5);
      const elapsed = Number(process.hrtime.bigint() - t0);
      await relay.stop();
      return elapsed;
    };

  const rawRun: Side['run'] = async (ops) => {
    const messages: BrokerMessage[] = [];
    for (let n = 1; n <= ops; n++) messages.push(benchMessage(state.template!, n));
    await state.sink?.purge();
    const t0 = process.hrtime.bigint();
    for (let start = 0; start < messages.length; start += BATCH_SIZE) await state.raw!.publishBatch(messages.slice(start, start + BATCH_SIZE));
    return Number(process.hrtime.bigint() - t0);
  };

  const relayVsRaw = (result: BenchmarkResult, db: BenchDatabase) => 1 / ratioResult(result, relaySide(db), rawSide).ofMedians;

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
      { name: rawSide, note: 'the upper bound: no database, messages prebuilt in memory (not timed).', run: rawRun },
    ],
    ratios: DATABASES.map((db) => ({ numerator: relaySide(db), denominator: rawSide })),
    goal: `The relay publishes at least ${GOAL}× the raw client's events/s, from each database.`,
    evaluateGoal(result) {
      const rates = DATABASES.map((db) => ({ db, rate: relayVsRaw(result, db) }));
      return {
        met: rates.every(({ rate }) => rate >= GOAL),
        detail: `${rates.map(({ db, rate }) => `${DATABASE_LABEL[db]} relay = ${rate.toFixed(2)}× raw events/s`).join(', ')} (inverse of the ratio of median times), target ≥ ${GOAL}×.`,
      };
    },
    async setup() {
      quietNestLogs();
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
