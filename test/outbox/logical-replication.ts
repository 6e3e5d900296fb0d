// Change-capture (relay source 'logical-replication') outboxes for tests: a writer
// and relays on one table and one replication slot of their own, and the clean-up
// an abandoned slot needs (it keeps the server's WAL forever otherwise).
import type { MessageBroker } from 'nestjs-cqrs-broker';
import {
  createOutboxDialect,
  createOutboxEntity,
  OutboxAdmin,
  OutboxCommitSubscriber,
  OutboxRelay,
  OutboxRepository,
  OutboxTransaction,
  OutboxWakeup,
  type OutboxCodec,
  type OutboxRelayOptions,
} from 'nestjs-cqrs-broker/outbox';
import type { DataSource } from 'typeorm';
import { connect, databaseNamed, databases, dropTable, uniqueTable } from './databases.js';
import { serializer } from './harness.js';

export const postgres = databaseNamed('postgres');

export interface CdcOutbox {
  readonly dataSource: DataSource;
  readonly table: string;
  readonly slotName: string;
  readonly transaction: OutboxTransaction;
  readonly admin: OutboxAdmin;
  /** A relay with its own connection pool (as another process would have). */
  relay(broker: MessageBroker, options?: OutboxRelayOptions): Promise<OutboxRelay>;
  /** Rows of the table (parked and dead events). */
  rows(): Promise<Array<{ event_id: string; event_key: string | null; status: string; attempts: number; last_error: string | null }>>;
  close(): Promise<void>;
}

/** A table and a slot named for this test run; the slot exists before the first write. */
export async function openCdcOutbox(prefix: string, { codec = 'none' as OutboxCodec } = {}): Promise<CdcOutbox> {
  const table = uniqueTable(prefix);
  const slotName = `test_${table}`;
  const entities = [createOutboxEntity({ databaseType: 'postgres', tableName: table })];
  const dataSource = await connect(postgres, entities, { synchronize: true });
  const dialect = createOutboxDialect(dataSource, table);
  await dialect.prepareChangeCapture(slotName);
  const commits = new OutboxCommitSubscriber(dataSource, new OutboxWakeup());
  const repository = new OutboxRepository(dialect, serializer, codec, commits, true, 'logical-replication');
  const relays: OutboxRelay[] = [];
  const pools: DataSource[] = [];
  return {
    dataSource,
    table,
    slotName,
    transaction: new OutboxTransaction(dataSource, repository),
    admin: new OutboxAdmin(dialect),
    async relay(broker, options) {
      const pool = await connect(postgres, entities);
      pools.push(pool);
      const relay = new OutboxRelay({
        dialect: createOutboxDialect(pool, table),
        broker,
        wakeup: new OutboxWakeup(),
        options: { pollIntervalMs: 100, source: 'logical-replication', slotName, ...options },
      });
      relays.push(relay);
      return relay;
    },
    rows: async () => {
      const rows: any[] = await dataSource.query(`SELECT event_id, event_key, status, attempts, last_error FROM "${table}" ORDER BY id`);
      return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
    },
    async close() {
      await Promise.all(relays.map((r) => r.stop()));
      await Promise.all(pools.map((p) => p.destroy()));
      await dropSlot(dataSource, slotName);
      await dropTable(dataSource, table);
      await dataSource.destroy();
    },
  };
}

/** Drops a slot (ending whatever still streams it) and its publication. */
export async function dropSlot(dataSource: DataSource, slotName: string): Promise<void> {
  await dataSource.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, [slotName]);
  for (let attempt = 0; ; attempt++) {
    try {
      await dataSource.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slotName]);
      break;
    } catch (error) {
      // Still active for a moment after the terminate.
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await dataSource.query(`DROP PUBLICATION IF EXISTS "${slotName}"`);
}

/** Ends the walsender streaming the slot, as a PostgreSQL restart or a network cut would. */
export async function terminateWalsender(dataSource: DataSource, slotName: string): Promise<number> {
  const rows: any[] = await dataSource.query(
    `SELECT pg_terminate_backend(active_pid) AS ended FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
    [slotName],
  );
  return rows.filter((r) => r.ended).length;
}
