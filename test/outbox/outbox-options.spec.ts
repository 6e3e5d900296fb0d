import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsBrokerModule, InMemoryMessageBroker } from 'nestjs-cqrs-broker';
import { createOutboxDialect, OUTBOX_DEFAULTS, OutboxModule, OutboxRelay, OutboxRepository, OutboxWakeup } from 'nestjs-cqrs-broker/outbox';
import { DataSource } from 'typeorm';
import { databases, dropTable, uniqueTable } from './databases.js';
import { openOutbox, type TestOutbox } from './harness.js';

const appModule = (imports: DynamicModule[]) => {
  @Module({ imports })
  class AppModule {}
  return AppModule;
};

describe('outbox options', () => {
  it("the relay's defaults are the documented ones: 10 attempts, 1 s doubling to 5 min between them, with jitter", () => {
    const dialect = { tableName: 'outbox', createWakeupSource: () => undefined } as never;
    const relay = new OutboxRelay({ dialect, broker: new InMemoryMessageBroker(), wakeup: new OutboxWakeup() });
    expect(relay.options.retry).toEqual({ maxAttempts: 10, initialDelayMs: 1_000, maxDelayMs: 300_000, factor: 2, jitter: 'full' });
    expect(relay.options).toMatchObject({ ...OUTBOX_DEFAULTS.relay, relayId: relay.relayId });
    expect(Object.isFrozen(relay.options)).toBe(true);
    expect(Object.isFrozen(relay.options.retry)).toBe(true);
  });

  it('a wrong relay option fails when the relay is built, naming the option', () => {
    const build = (options: object) => () =>
      new OutboxRelay({ dialect: { tableName: 'outbox' } as never, broker: new InMemoryMessageBroker(), wakeup: new OutboxWakeup(), options, listen: false });
    expect(build({ batchSize: 0 })).toThrow(/relay\.batchSize must be a positive number, got 0/);
    expect(build({ retry: { maxAttempts: 0 } })).toThrow(/relay\.retry\.maxAttempts/);
    expect(build({ retry: { factor: 0.5 } })).toThrow(/relay\.retry\.factor/);
    expect(build({ ordering: 'random' })).toThrow(/relay\.ordering/);
    expect(build({ claim: 'locks' })).toThrow(/relay\.claim must be 'lease' or 'lock', got "?locks/);
  });
});

describe.each(databases)('OutboxModule options on $name', (db) => {
  const table = uniqueTable('opts');
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true });
  });
  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await outbox.close();
  });

  it('a wrong option fails the app at startup, naming the option', async () => {
    const start = (relay: object, extra: object = {}) =>
      NestFactory.createApplicationContext(
        appModule([CqrsBrokerModule.forRoot({}), OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, relay, ...extra })]),
        { logger: false, abortOnError: false },
      );
    await expect(start({ leaseMs: -1 })).rejects.toThrow(/relay\.leaseMs/);
    await expect(start({ retry: { initialDelayMs: -1 } })).rejects.toThrow(/relay\.retry\.initialDelayMs/);
    await expect(start({}, { codec: 'lz4' })).rejects.toThrow(/codec "lz4"/);
    await expect(start({}, { tableName: 'bad-name' })).rejects.toThrow(/bad-name/);
  });

  // SQLite only (registered only there): it has no row locks.
  if (db.name === 'sqlite')
    it("relay.claim 'lock' fails the app at startup, naming the fix", async () => {
      const app = NestFactory.createApplicationContext(
        appModule([CqrsBrokerModule.forRoot({}), OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, relay: { claim: 'lock' } })]),
        { logger: false, abortOnError: false },
      );
      await expect(app).rejects.toThrow(/relay\.claim 'lock' .* this outbox is on sqlite.*use relay\.claim 'lease'/);
    });

  it("without dataSource the outbox uses the app's DataSource provider, as the inbox does", async () => {
    @Module({ providers: [{ provide: DataSource, useValue: outbox.dataSource }], exports: [DataSource] })
    class DatabaseModule {}
    const app = await NestFactory.createApplicationContext(
      appModule([
        { module: DatabaseModule, global: true },
        CqrsBrokerModule.forRoot({}),
        OutboxModule.forRoot({ tableName: table, relay: { enabled: false } }),
      ]),
      { logger: false },
    );
    try {
      expect(app.get(OutboxRepository).tableName).toBe(table);
    } finally {
      await app.close();
    }
  });

  it(`commits of other processes wake a relay only where the database reports them (${db.name === 'postgres' ? 'LISTEN' : 'polling'})`, async () => {
    const source = createOutboxDialect(outbox.dataSource, table).createWakeupSource(() => undefined, new Logger('test'));
    expect(source !== undefined).toBe(db.name === 'postgres');
    await source?.stop();
  });
});
