// Issue 5, item 2: what writing an event to the outbox adds to a business
// transaction, on PostgreSQL and MariaDB.
import { EventSerializer, IntegrationEvent, IntegrationEventRegistry, NotificationEvent } from 'nestjs-cqrs-broker';
import { createOutboxDialect, OutboxCommitSubscriber, OutboxRepository, OutboxTransaction, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import { EntitySchema, type DataSource } from 'typeorm';
import type { Benchmark, Side } from '../harness/benchmark.js';
import { uniqueName } from './support/bench-events.js';
import { dropSlot, dropTable, openOutboxDataSource } from './support/databases.js';
import { latencySummary, ms, type LatencySummary } from './support/percentiles.js';
import { quietNestLogs } from './support/quiet-logs.js';
import { DATABASE_LABEL, type BenchDatabase } from './support/services.js';

const GOAL = 1.25;
/** The issue's goal for relay source 'logical-replication' (the event goes to the WAL only). */
const WAL_GOAL = 1.1;
const walSide = 'PostgreSQL: business row + outbox event as a WAL message';
const silentSide = 'PostgreSQL: business row + outbox event, no NOTIFY';
const wrapperSide = 'PostgreSQL: business row through OutboxTransaction.run, no event';
const DATABASES: readonly BenchDatabase[] = ['postgres', 'mariadb'];

interface OrderPlacedPayload {
  readonly orderId: number;
  readonly amount: string;
}

@IntegrationEvent({ name: 'order_placed', topic: 'bench_orders' })
class OrderPlaced extends NotificationEvent<OrderPlacedPayload> {}

const businessSide = (db: BenchDatabase) => `${DATABASE_LABEL[db]}: business row`;
const outboxSide = (db: BenchDatabase) => `${DATABASE_LABEL[db]}: business row + outbox event`;

interface DbState {
  dataSource: DataSource;
  transaction: OutboxTransaction;
  commits: OutboxCommitSubscriber;
}

const state: {
  orders?: string;
  outbox?: string;
  slot?: string;
  wal?: OutboxTransaction;
  /** The PostgreSQL outbox with `notify: false`: what the NOTIFY riding on the INSERT costs. */
  silent?: OutboxTransaction;
  dbs: Partial<Record<BenchDatabase, DbState>>;
  next: number;
  latencies: Map<string, number[]>;
} = {
  dbs: {},
  next: 1,
  latencies: new Map(),
};

function ordersEntity(tableName: string) {
  return new EntitySchema<{ id: number; customer: string; amount: string }>({
    name: `BenchOrder:${tableName}`,
    tableName,
    columns: { id: { type: Number, primary: true }, customer: { type: String, length: 64 }, amount: { type: 'decimal', precision: 10, scale: 2 } },
  });
}

function insertOrderSql(db: BenchDatabase): string {
  return db === 'postgres' ? `INSERT INTO "${state.orders}" (id, customer, amount) VALUES ($1, $2, $3)` : `INSERT INTO \`${state.orders}\` (id, customer, amount) VALUES (?, ?, ?)`;
}

function record(side: string, latencyMs: number): void {
  let list = state.latencies.get(side);
  if (!list) state.latencies.set(side, (list = []));
  list.push(latencyMs);
}

// The two loops are written out in full (see bench/README.md).
function businessRun(db: BenchDatabase): Side['run'] {
  const name = businessSide(db);
  return async (ops, { warmup }) => {
    const { dataSource } = state.dbs[db]!;
    const sql = insertOrderSql(db);
    for (let i = 0; i < ops; i++) {
      const id = state.next++;
      const t0 = performance.now();
      await dataSource.transaction(async (manager) => {
        await manager.query(sql, [id, 'customer-42', '129.90']);
      });
      if (!warmup) record(name, performance.now() - t0);
    }
  };
}

function outboxRun(db: BenchDatabase): Side['run'] {
  const name = outboxSide(db);
  return async (ops, { warmup }) => {
    const { transaction } = state.dbs[db]!;
    const sql = insertOrderSql(db);
    for (let i = 0; i < ops; i++) {
      const id = state.next++;
      const t0 = performance.now();
      await transaction.run(async (tx) => {
        await tx.manager.query(sql, [id, 'customer-42', '129.90']);
        tx.add(new OrderPlaced({ payload: { orderId: id, amount: '129.90' }, key: `order-${id % 1000}` }));
      });
      if (!warmup) record(name, performance.now() - t0);
    }
  };
}

// relay.source 'logical-replication': pg_logical_emit_message in the transaction, no outbox row.
const walRun: Side['run'] = async (ops, { warmup }) => {
  const transaction = state.wal!;
  const sql = insertOrderSql('postgres');
  for (let i = 0; i < ops; i++) {
    const id = state.next++;
    const t0 = performance.now();
    await transaction.run(async (tx) => {
      await tx.manager.query(sql, [id, 'customer-42', '129.90']);
      tx.add(new OrderPlaced({ payload: { orderId: id, amount: '129.90' }, key: `order-${id % 1000}` }));
    });
    if (!warmup) record(walSide, performance.now() - t0);
  }
};

// The PostgreSQL outbox write without the NOTIFY (notify: false), for what the NOTIFY costs.
const silentRun: Side['run'] = async (ops, { warmup }) => {
  const transaction = state.silent!;
  const sql = insertOrderSql('postgres');
  for (let i = 0; i < ops; i++) {
    const id = state.next++;
    const t0 = performance.now();
    await transaction.run(async (tx) => {
      await tx.manager.query(sql, [id, 'customer-42', '129.90']);
      tx.add(new OrderPlaced({ payload: { orderId: id, amount: '129.90' }, key: `order-${id % 1000}` }));
    });
    if (!warmup) record(silentSide, performance.now() - t0);
  }
};

// The business row alone through OutboxTransaction.run (no event): what the wrapper itself costs.
const wrapperRun: Side['run'] = async (ops, { warmup }) => {
  const { transaction } = state.dbs.postgres!;
  const sql = insertOrderSql('postgres');
  for (let i = 0; i < ops; i++) {
    const id = state.next++;
    const t0 = performance.now();
    await transaction.run(async (tx) => {
      await tx.manager.query(sql, [id, 'customer-42', '129.90']);
    });
    if (!warmup) record(wrapperSide, performance.now() - t0);
  }
};

function summaries(): Map<string, LatencySummary> {
  return new Map([...state.latencies].map(([side, values]) => [side, latencySummary(values)]));
}

export const outboxWriteBenchmark: Benchmark = {
  name: 'outbox-write',
  description:
    'Latency of one transaction (TypeORM DataSource.transaction, one connection at a time) inserting one business row, vs OutboxTransaction.run inserting the same row plus one outbox event (serialized, inserted before COMMIT; PostgreSQL also pg_notify for other relays). No relay running.',
  packages: ['nestjs-cqrs-broker', 'typeorm', 'pg', 'mysql2'],
  unit: { label: 'µs/transaction', ns: 1e3 },
  size: { rounds: 8, opsPerRound: 250, warmupRounds: 2 },
  quickSize: { rounds: 4, opsPerRound: 100, warmupRounds: 1 },
  sides: [
    ...DATABASES.flatMap((db) => [
      { name: businessSide(db), run: businessRun(db) },
      { name: outboxSide(db), run: outboxRun(db) },
    ]),
    { name: walSide, note: "relay.source 'logical-replication': pg_logical_emit_message, no row (a slot exists, no relay reads it)", run: walRun },
    { name: wrapperSide, note: 'for reference: OutboxTransaction.run with no event added; what the transaction wrapper costs over DataSource.transaction', run: wrapperRun },
    { name: silentSide, note: 'for reference: notify: false (relays in other processes then find new rows by polling); what the NOTIFY costs', run: silentRun },
  ],
  ratios: [
    ...DATABASES.map((db) => ({ numerator: outboxSide(db), denominator: businessSide(db) })),
    { numerator: walSide, denominator: businessSide('postgres') },
    { numerator: outboxSide('postgres'), denominator: silentSide },
    { numerator: wrapperSide, denominator: businessSide('postgres') },
  ],
  goal: `With the outbox event, p50 and p99 transaction latency are at most ${GOAL}× those of the business row alone, on each database; as a WAL message (PostgreSQL), at most ${WAL_GOAL}×.`,
  extraTables() {
    const all = summaries();
    return [
      {
        title: 'Per-transaction latency over all measured rounds (ms)',
        header: ['side', 'transactions', 'p50', 'p90', 'p99', 'max'],
        rows: [...all].map(([side, s]) => [side, String(s.count), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)]),
      },
      {
        title: 'Outbox / business-row latency',
        header: ['database', 'p50 ratio', 'p99 ratio'],
        rows: [
          ...DATABASES.map((db) => {
            const [a, b] = [all.get(outboxSide(db))!, all.get(businessSide(db))!];
            return [DATABASE_LABEL[db], `${(a.p50 / b.p50).toFixed(2)}×`, `${(a.p99 / b.p99).toFixed(2)}×`];
          }),
          (() => {
            const [a, b] = [all.get(walSide)!, all.get(businessSide('postgres'))!];
            return ['PostgreSQL, WAL message', `${(a.p50 / b.p50).toFixed(2)}×`, `${(a.p99 / b.p99).toFixed(2)}×`];
          })(),
        ],
      },
    ];
  },
  evaluateGoal() {
    const all = summaries();
    const ratios = DATABASES.map((db) => {
      const [a, b] = [all.get(outboxSide(db))!, all.get(businessSide(db))!];
      return { db, p50: a.p50 / b.p50, p99: a.p99 / b.p99 };
    });
    const [w, b] = [all.get(walSide)!, all.get(businessSide('postgres'))!];
    const wal = { p50: w.p50 / b.p50, p99: w.p99 / b.p99 };
    return {
      met: ratios.every((r) => r.p50 <= GOAL && r.p99 <= GOAL) && wal.p50 <= WAL_GOAL && wal.p99 <= WAL_GOAL,
      detail: `${ratios.map((r) => `${DATABASE_LABEL[r.db]} p50 ${r.p50.toFixed(2)}×, p99 ${r.p99.toFixed(2)}×`).join('; ')}; target ≤ ${GOAL}×. PostgreSQL WAL message p50 ${wal.p50.toFixed(2)}×, p99 ${wal.p99.toFixed(2)}×; target ≤ ${WAL_GOAL}×.`,
    };
  },
  async setup() {
    quietNestLogs();
    state.orders = uniqueName('bench_orders');
    state.outbox = uniqueName('bench_outbox');
    state.next = 1;
    state.latencies = new Map();
    const serializer = new EventSerializer(new IntegrationEventRegistry());
    for (const db of DATABASES) {
      const dataSource = await openOutboxDataSource(db, state.outbox, [ordersEntity(state.orders)], 4);
      const commits = new OutboxCommitSubscriber(dataSource, new OutboxWakeup());
      commits.attach();
      const repository = new OutboxRepository(createOutboxDialect(dataSource, state.outbox), serializer, 'none', commits, true);
      state.dbs[db] = { dataSource, commits, transaction: new OutboxTransaction(dataSource, repository) };
    }
    const postgres = state.dbs.postgres!;
    state.slot = uniqueName('bench_slot');
    const dialect = createOutboxDialect(postgres.dataSource, state.outbox);
    await dialect.prepareChangeCapture(state.slot);
    state.wal = new OutboxTransaction(postgres.dataSource, new OutboxRepository(dialect, serializer, 'none', postgres.commits, true, 'logical-replication'));
    state.silent = new OutboxTransaction(postgres.dataSource, new OutboxRepository(dialect, serializer, 'none', postgres.commits, false));
  },
  async teardown() {
    if (state.slot && state.dbs.postgres) await dropSlot(state.dbs.postgres.dataSource, state.slot);
    for (const { dataSource, commits } of Object.values(state.dbs)) {
      commits.detach();
      await dropTable(dataSource, state.orders!);
      await dropTable(dataSource, state.outbox!);
      await dataSource.destroy();
    }
    state.dbs = {};
  },
};
