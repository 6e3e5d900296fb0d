// Measurement behind bench/results/issue-15.md ("relay.claim 'lock'"), not part of the suite
// (the name does not end in .spec.ts). Per database and claim mode, a relay drains 10,000 rows
// (1,000 keys) in batches of 100 with publishBatch() and a broker that does nothing: time of
// claim + outcome per batch, relay CPU, and on PostgreSQL the row versions (n_tup_upd) and WAL
// bytes per event. Run it with a config that includes only this file, e.g. a vitest.config
// outside the repository holding
//   import base from '<repo>/vitest.config.ts';
//   export default { ...base, root: '<repo>', test: { ...base.test, include: ['test/outbox/claim-cost.measure.ts'], maxWorkers: 1 } };
// and `npx vitest run --config <that file>` (MEASURE_ROWS: rows; MEASURE_ORDERING: per-key or none; MEASURE_DATABASES: e.g. mariadb).
import { performance } from 'node:perf_hooks';
import { OutboxRelay, OutboxWakeup, createOutboxDialect, type OutboxClaimMode } from 'nestjs-cqrs-broker/outbox';
import { connect, databases, dropTable, uniqueTable } from './databases.js';
import { booked, openOutbox } from './harness.js';

const ROWS = Number(process.env.MEASURE_ROWS ?? 10_000);
const ORDERING = (process.env.MEASURE_ORDERING ?? 'per-key') as 'per-key' | 'none';
const ONLY = process.env.MEASURE_DATABASES?.split(',');

describe.each(databases.filter((db) => db.name !== 'sqlite' && (!ONLY || ONLY.includes(db.name))))('claim cost on $name', (db) => {
  it.each(['lease', 'lock', 'lease', 'lock'] as OutboxClaimMode[])('claim %s', async (claim) => {
    const table = uniqueTable('cost');
    const writer = await openOutbox(db, table, { synchronize: true });
    try {
      if (db.name === 'postgres') await writer.dataSource.query(`ALTER TABLE ${writer.dataSource.driver.escape(table)} SET (fillfactor = 50)`);
      for (let start = 0; start < ROWS; start += 1_000) {
        const events = Array.from({ length: 1_000 }, (_, i) => booked(start + i, `room-${(start + i) % 1_000}`));
        await writer.transaction.run(async (tx) => tx.add(...events));
      }
      const q = writer.dataSource.driver.escape(table);
      if (db.name === 'postgres') await writer.dataSource.query(`ANALYZE ${q}`);
      const relaySource = await connect(db, [], { poolSize: 5 } as object);
      const relay = new OutboxRelay({
        dialect: createOutboxDialect(relaySource, table),
        broker: { publish: async () => undefined },
        wakeup: new OutboxWakeup(),
        listen: false,
        options: { batchSize: 100, claim, ordering: ORDERING },
      });
      const stats = async () =>
        db.name === 'postgres'
          ? (await writer.dataSource.query(`SELECT pg_stat_clear_snapshot(), (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = $1) AS upd, (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = $1) AS hot, pg_current_wal_lsn() AS lsn`, [table]))[0]
          : undefined;
      const before = await stats();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let batches = 0;
      for (;;) {
        const result = await relay.publishBatch();
        if (!result.claimed) break;
        batches++;
      }
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      await relaySource.destroy(); // backends exit: their table statistics are flushed
      await new Promise((r) => setTimeout(r, 1_500));
      const after = await stats();
      let pg = '';
      if (before && after) {
        const [{ bytes }] = await writer.dataSource.query(`SELECT pg_wal_lsn_diff($1, $2) AS bytes`, [after.lsn, before.lsn]);
        pg = `, row versions/event ${((Number(after.upd) - Number(before.upd)) / ROWS).toFixed(2)} (HOT ${((Number(after.hot) - Number(before.hot)) / ROWS).toFixed(2)}), WAL ${(Number(bytes) / ROWS).toFixed(0)} B/event (whole cluster)`;
      }
      console.log(
        `[claim-cost] ${db.name} claim ${claim}, ordering ${ORDERING}: ${ROWS} rows in ${batches} batches, ${(ms / batches).toFixed(2)} ms per 100 rows (claim + outcome), ${Math.round((ROWS / ms) * 1000)} events/s, relay CPU ${(((cpu.user + cpu.system) / ROWS)).toFixed(1)} µs/event${pg}`,
      );
      expect(batches).toBe(ROWS / 100);
    } finally {
      await dropTable(writer.dataSource, table);
      await writer.close();
    }
  });
});
