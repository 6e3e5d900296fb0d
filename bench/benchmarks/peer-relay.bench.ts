// Issue 5, item 4: our relay against the polling relay of pg-transactional-outbox,
// both draining the same backlog on the same PostgreSQL to the same RabbitMQ
// with publisher confirms.
import amqplib from 'amqplib';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { createOutboxDialect, OutboxRelay, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import peer from 'pg-transactional-outbox';
import type { DataSource } from 'typeorm';
import type { Benchmark } from '../harness/benchmark.js';
import { ratioResult } from '../harness/result.js';
import { eventTemplate, uniqueName, type EventTemplate } from './support/bench-events.js';
import { CountingBroker } from './support/counting-broker.js';
import { analyze, dropSlot, dropTable, openOutboxDataSource, seedBacklog, seedWalBacklog, truncate, waitUntilDrained } from './support/databases.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { AmqpSink } from './support/raw-clients.js';
import { AMQP_URL, POSTGRES_URL } from './support/services.js';

const { DatabaseSetup, getDisabledLogger, initializePollingMessageListener, initializeReplicationMessageListener } = peer;

const BATCH_SIZE = 100;
const GOAL = 2;
const DRAIN_TIMEOUT_MS = 600_000;
const OURS = 'nestjs-cqrs-broker OutboxRelay';
const PEER = 'pg-transactional-outbox polling listener';
const OURS_WAL = 'nestjs-cqrs-broker OutboxRelay, logical replication';
const PEER_WAL = 'pg-transactional-outbox logical-replication listener';

const state: {
  template?: EventTemplate;
  table?: string;
  peerTable?: string;
  /** The peer's replication listener reads inserts of its own table through its own publication and slot. */
  peerWalTable?: string;
  peerSlot?: string;
  ourSlot?: string;
  exchange?: string;
  sink?: AmqpSink;
  dataSource?: DataSource;
  broker?: AmqpMessageBroker;
  peerConnection?: amqplib.ChannelModel;
  peerChannel?: amqplib.ConfirmChannel;
} = {};

async function seedPeerBacklog(ops: number, t = state.peerTable!): Promise<void> {
  await state.dataSource!.query(`TRUNCATE TABLE ${t}`);
  // The same payload and headers as our rows; 'parallel' so its batches are not limited to one row per segment.
  await state.dataSource!.query(
    `INSERT INTO ${t} (id, aggregate_type, aggregate_id, message_type, concurrency, payload, metadata, created_at)
     SELECT gen_random_uuid(), 'order', 'order-' || (g % 1000), 'order_placed', 'parallel',
            replace($1, '#', g::text)::jsonb, replace($2, '#', g::text)::jsonb, now() + g * interval '1 microsecond'
     FROM generate_series(1, $3::int) AS g`,
    [state.template!.body, state.template!.headers, ops],
  );
  await state.dataSource!.query(`ANALYZE ${t}`);
}

async function peerPending(t = state.peerTable!): Promise<number> {
  const rows = await state.dataSource!.query(`SELECT COUNT(*) AS n FROM ${t} WHERE processed_at IS NULL AND abandoned_at IS NULL`);
  return Number(rows[0].n);
}

export const peerRelayBenchmark: Benchmark = {
  name: 'peer-relay',
  description: `Draining the same backlog (and, for the logical-replication sides, the same events through a replication slot) on the same PostgreSQL to the same RabbitMQ exchange (durable queue bound, persistent messages, publisher confirms): our OutboxRelay (batch ${BATCH_SIZE}, one confirm wait per batch) vs the polling listener of pg-transactional-outbox (nextMessagesBatchSize ${BATCH_SIZE}, polling interval 100 ms, its handler publishing each message on an amqplib confirm channel and awaiting its confirm, as its README's RabbitMQ example does). Time until every row is marked done.`,
  packages: ['nestjs-cqrs-broker', 'pg-transactional-outbox', 'amqplib', 'pg'],
  unit: { label: 'µs/event', ns: 1e3 },
  perSecond: 'events',
  size: { rounds: 3, opsPerRound: 5_000, warmupRounds: 1, warmupOps: 1_000 },
  quickSize: { rounds: 2, opsPerRound: 1_000, warmupRounds: 1 },
  sides: [
    {
      name: OURS,
      async run(ops) {
        await truncate(state.dataSource!, state.table!);
        await seedBacklog(state.dataSource!, state.table!, state.template!, 1, ops);
        await analyze(state.dataSource!, state.table!);
        await state.sink!.purge();
        const broker = new CountingBroker(state.broker!);
        const relay = new OutboxRelay({
          dialect: createOutboxDialect(state.dataSource!, state.table!),
          broker,
          wakeup: new OutboxWakeup(),
          listen: false,
          options: { batchSize: BATCH_SIZE, pollIntervalMs: 100 },
        });
        const published = broker.expect(ops);
        const t0 = process.hrtime.bigint();
        relay.start();
        await published;
        await waitUntilDrained(state.dataSource!, state.table!, DRAIN_TIMEOUT_MS, 5);
        const elapsed = Number(process.hrtime.bigint() - t0);
        await relay.stop();
        return elapsed;
      },
    },
    {
      name: PEER,
      async run(ops) {
        await seedPeerBacklog(ops);
        await state.sink!.purge();
        let handled = 0;
        let done!: () => void;
        const allHandled = new Promise<void>((resolve) => (done = resolve));
        const channel = state.peerChannel!;
        const exchange = state.exchange!;
        const topic = state.template!.topic;
        const t0 = process.hrtime.bigint();
        const [shutdown] = initializePollingMessageListener(
          {
            outboxOrInbox: 'outbox',
            dbListenerConfig: { connectionString: POSTGRES_URL },
            settings: {
              dbSchema: 'public',
              dbTable: state.peerTable!,
              nextMessagesFunctionName: `next_${state.peerTable}`,
              nextMessagesBatchSize: BATCH_SIZE,
              nextMessagesPollingIntervalInMs: 100,
              enableMaxAttemptsProtection: false,
              enablePoisonousMessageProtection: false,
              messageCleanupIntervalInMs: 0,
            },
          },
          {
            handle: async (message) => {
              await new Promise<void>((resolve, reject) =>
                channel.publish(
                  exchange,
                  topic,
                  Buffer.from(JSON.stringify(message.payload)),
                  { persistent: true, messageId: message.id, type: message.messageType, contentType: 'application/json', headers: message.metadata as Record<string, unknown> },
                  (error: unknown) => (error ? reject(error) : resolve()),
                ),
              );
              if (++handled === ops) done();
            },
          },
          getDisabledLogger(),
        );
        await allHandled;
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        while ((await peerPending()) > 0) {
          if (Date.now() > deadline) throw new Error(`${PEER}: rows still pending after ${DRAIN_TIMEOUT_MS} ms`);
          await new Promise((r) => setTimeout(r, 5));
        }
        const elapsed = Number(process.hrtime.bigint() - t0);
        await shutdown();
        return elapsed;
      },
    },
    {
      name: OURS_WAL,
      note: "relay.source 'logical-replication': the backlog is WAL messages (one event per transaction), read from a slot; done when the broker accepted every event.",
      async run(ops) {
        await seedWalBacklog(state.dataSource!, state.table!, state.template!, 1, ops);
        await state.sink!.purge();
        const broker = new CountingBroker(state.broker!);
        const relay = new OutboxRelay({
          dialect: createOutboxDialect(state.dataSource!, state.table!),
          broker,
          wakeup: new OutboxWakeup(),
          listen: false,
          options: { batchSize: BATCH_SIZE, pollIntervalMs: 100, source: 'logical-replication', slotName: state.ourSlot! },
        });
        const published = broker.expect(ops);
        const t0 = process.hrtime.bigint();
        await relay.start();
        await published;
        const elapsed = Number(process.hrtime.bigint() - t0);
        await relay.stop();
        return elapsed;
      },
    },
    {
      name: PEER_WAL,
      note: 'its rows inserted before the listener starts (they wait in its slot), each handled as by the polling side: publish, await the confirm, mark processed.',
      async run(ops) {
        await seedPeerBacklog(ops, state.peerWalTable!);
        await state.sink!.purge();
        let handled = 0;
        let done!: () => void;
        const allHandled = new Promise<void>((resolve) => (done = resolve));
        const channel = state.peerChannel!;
        const exchange = state.exchange!;
        const topic = state.template!.topic;
        const t0 = process.hrtime.bigint();
        const [shutdown] = initializeReplicationMessageListener(
          {
            outboxOrInbox: 'outbox',
            dbListenerConfig: { connectionString: POSTGRES_URL },
            settings: {
              dbSchema: 'public',
              dbTable: state.peerWalTable!,
              dbPublication: state.peerSlot!,
              dbReplicationSlot: state.peerSlot!,
              enableMaxAttemptsProtection: false,
              enablePoisonousMessageProtection: false,
              messageCleanupIntervalInMs: 0,
            },
          },
          {
            handle: async (message) => {
              await new Promise<void>((resolve, reject) =>
                channel.publish(
                  exchange,
                  topic,
                  Buffer.from(JSON.stringify(message.payload)),
                  { persistent: true, messageId: message.id, type: message.messageType, contentType: 'application/json', headers: message.metadata as Record<string, unknown> },
                  (error: unknown) => (error ? reject(error) : resolve()),
                ),
              );
              if (++handled === ops) done();
            },
          },
          getDisabledLogger(),
        );
        await allHandled;
        const deadline = Date.now() + DRAIN_TIMEOUT_MS;
        while ((await peerPending(state.peerWalTable!)) > 0) {
          if (Date.now() > deadline) throw new Error(`${PEER_WAL}: rows still pending after ${DRAIN_TIMEOUT_MS} ms`);
          await new Promise((r) => setTimeout(r, 5));
        }
        const elapsed = Number(process.hrtime.bigint() - t0);
        await shutdown();
        await state.dataSource!.query(`TRUNCATE TABLE ${state.peerWalTable}`);
        return elapsed;
      },
    },
  ],
  ratios: [
    { numerator: OURS, denominator: PEER },
    { numerator: OURS, denominator: PEER_WAL },
    { numerator: OURS_WAL, denominator: PEER },
    { numerator: OURS_WAL, denominator: PEER_WAL },
  ],
  goal: `Our relay publishes at least ${GOAL}× the events/s of pg-transactional-outbox's faster listener (polling or logical replication), each of our relay sources.`,
  evaluateGoal(result) {
    // The faster peer is the one with the shorter median time per event.
    const peerTimes = [PEER, PEER_WAL].map((side) => ({ side, ratio: ratioResult(result, OURS, side).ofMedians }));
    const fastest = peerTimes.reduce((a, b) => (a.ratio > b.ratio ? a : b)).side;
    const table = 1 / ratioResult(result, OURS, fastest).ofMedians;
    const wal = 1 / ratioResult(result, OURS_WAL, fastest).ofMedians;
    return {
      met: table >= GOAL && wal >= GOAL,
      detail: `against its faster listener (${fastest}): our table relay = ${table.toFixed(2)}×, our logical-replication relay = ${wal.toFixed(2)}× its events/s (inverse of the ratio of median times), target ≥ ${GOAL}×.`,
    };
  },
  async setup() {
    quietNestLogs();
    state.template = eventTemplate(uniqueName('bench_peer'));
    state.table = uniqueName('bench_outbox');
    state.peerTable = uniqueName('bench_peer');
    state.dataSource = await openOutboxDataSource('postgres', state.table);
    const setupConfig = { outboxOrInbox: 'outbox' as const, database: 'test', schema: 'public', table: state.peerTable, listenerRole: 'postgres', nextMessagesName: `next_${state.peerTable}` };
    await state.dataSource.query(DatabaseSetup.dropAndCreateTable(setupConfig).replaceAll('outbox_concurrency_check', `${state.peerTable}_concurrency_check`));
    await state.dataSource.query(DatabaseSetup.createPollingFunction(setupConfig));
    // Its index names are fixed (outbox_*_idx): give them ours so runs and other tables do not collide.
    await state.dataSource.query(
      DatabaseSetup.setupPollingIndexes(setupConfig).replace(/\boutbox_(\w+?)_idx\b/g, (_, column: string) => `${state.peerTable}_${column}_idx`),
    );
    // The peer's logical-replication setup, as its README has it: a table, a publication of its inserts, a pgoutput slot.
    state.peerWalTable = uniqueName('bench_peer_wal');
    state.peerSlot = uniqueName('bench_peer_slot');
    const walConfig = { ...setupConfig, table: state.peerWalTable, publication: state.peerSlot, replicationSlot: state.peerSlot };
    await state.dataSource.query(DatabaseSetup.dropAndCreateTable(walConfig).replaceAll('outbox_concurrency_check', `${state.peerWalTable}_concurrency_check`));
    await state.dataSource.query(`CREATE PUBLICATION ${state.peerSlot} FOR TABLE public.${state.peerWalTable} WITH (publish = 'insert')`);
    await state.dataSource.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [state.peerSlot]);
    state.ourSlot = uniqueName('bench_slot');
    await createOutboxDialect(state.dataSource, state.table).prepareChangeCapture(state.ourSlot);
    state.exchange = uniqueName('bench.peer');
    state.sink = await AmqpSink.open(state.exchange, uniqueName('bench.peer.q'));
    state.broker = new AmqpMessageBroker({ url: AMQP_URL, exchange: state.exchange, connectionName: 'bench-peer-ours' });
    state.peerConnection = await amqplib.connect(AMQP_URL);
    state.peerChannel = await state.peerConnection.createConfirmChannel();
  },
  async teardown() {
    await state.broker?.close();
    await state.peerChannel?.close().catch(() => undefined);
    await state.peerConnection?.close().catch(() => undefined);
    await state.sink?.close();
    if (state.dataSource) {
      await dropTable(state.dataSource, state.table!);
      await state.dataSource.query(`DROP FUNCTION IF EXISTS public.next_${state.peerTable}(integer, integer)`);
      await dropTable(state.dataSource, state.peerTable!);
      if (state.peerSlot) await dropSlot(state.dataSource, state.peerSlot);
      if (state.ourSlot) await dropSlot(state.dataSource, state.ourSlot);
      await dropTable(state.dataSource, state.peerWalTable!);
      await state.dataSource.destroy();
    }
  },
};
