// With relay.source 'logical-replication' the backlog is WAL, not rows: OutboxAdmin's stats() and backlog() report the
// slot (streamed or not, bytes behind), the outbox gauges export its lag, the health indicator goes down past
// maxReplicationLagBytes, and a table outbox reports no slot.
import { Registry } from 'prom-client';
import { InMemoryMessageBroker, registerOutboxGauges } from 'nestjs-cqrs-broker';
import { OutboxHealthIndicator } from 'nestjs-cqrs-broker/health';
import { createOutboxDialect, OUTBOX_DEFAULTS, OutboxAdmin } from 'nestjs-cqrs-broker/outbox';
import { booked, eventually, openOutbox, type TestOutbox } from './harness.js';
import { dropTable, uniqueTable } from './databases.js';
import { openCdcOutbox, postgres, type CdcOutbox } from './logical-replication.js';

describe('the replication slot in OutboxAdmin stats on PostgreSQL', () => {
  let cdc: CdcOutbox;
  let admin: OutboxAdmin;
  let plain: TestOutbox;
  const plainTable = uniqueTable('outbox_noslot');

  beforeAll(async () => {
    cdc = await openCdcOutbox('outbox_slotstats');
    admin = new OutboxAdmin(createOutboxDialect(cdc.dataSource, cdc.table), { ...OUTBOX_DEFAULTS.relay, slotName: cdc.slotName });
    plain = await openOutbox(postgres, plainTable, { synchronize: true });
  });

  afterAll(async () => {
    await cdc?.close();
    await dropTable(plain.dataSource, plainTable);
    await plain?.close();
  });

  it('reports the slot not streamed and at least the written events behind, then streamed once a relay runs; the gauge carries its lag', async () => {
    for (let i = 0; i < 20; i++) await cdc.transaction.run(async ({ add }) => add(booked(i, `k${i}`)));
    const before = await admin.stats();
    expect(before).toMatchObject({ pending: 0, published: 0, dead: 0, replication: { slotName: cdc.slotName, active: false } });
    expect(before.replication!.lagBytes).toBeGreaterThan(20 * 100);
    expect((await admin.backlog()).replication).toMatchObject({ slotName: cdc.slotName, active: false });
    const health = new OutboxHealthIndicator(admin);
    expect(await health.check('outbox', { maxReplicationLagBytes: 1 })).toEqual({
      outbox: { status: 'down', reason: 'replication-lag-too-high', maxReplicationLagBytes: 1, pending: 0, dead: 0, oldestPendingAgeMs: 0, replicationLagBytes: expect.any(Number), slotActive: false },
    });
    expect(await health.check('outbox')).toMatchObject({ outbox: { status: 'up', slotActive: false } });

    const registry = new Registry();
    await registerOutboxGauges(admin, { registry, cacheTtlMs: 0 });
    const lag = async () => (await registry.getSingleMetric('cqrs_broker_outbox_replication_lag_bytes')!.get()).values;
    expect(await lag()).toEqual([{ labels: { slot: cdc.slotName }, value: expect.any(Number) }]);
    expect((await lag())[0].value).toBeGreaterThan(20 * 100);

    const broker = new InMemoryMessageBroker();
    let received = 0;
    broker.subscribe('rooms', () => void received++);
    await (await cdc.relay(broker)).start();
    await eventually(() => received >= 20, 'the relay published the 20 events', 30_000);
    await eventually(async () => (await admin.stats()).replication?.active === true, 'the slot is streamed', 30_000);
  });

  it('reports no slot for a table outbox, and the gauge has no sample for it', async () => {
    const tableAdmin = new OutboxAdmin(createOutboxDialect(plain.dataSource, plainTable));
    expect(await tableAdmin.stats()).not.toHaveProperty('replication');
    expect(await tableAdmin.backlog()).not.toHaveProperty('replication');
    const registry = new Registry();
    await registerOutboxGauges(tableAdmin, { registry });
    expect((await registry.getSingleMetric('cqrs_broker_outbox_replication_lag_bytes')!.get()).values).toEqual([]);
  });
});
