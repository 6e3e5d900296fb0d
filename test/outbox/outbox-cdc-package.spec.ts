import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsBrokerModule, InMemoryMessageBroker, MissingPeerDependencyException } from 'nestjs-cqrs-broker';
import { OutboxModule, OutboxRelayServer } from 'nestjs-cqrs-broker/outbox';
import { openCdcOutbox, type CdcOutbox } from './logical-replication.js';

// This file's module graph has no pg-logical-replication: as in an app that did not install it.
vi.mock('pg-logical-replication', () => {
  throw new Error("Cannot find package 'pg-logical-replication'");
});

const LINE = "relay.source 'logical-replication' needs the package pg-logical-replication: npm install pg-logical-replication";

describe("pg-logical-replication, the optional peer of relay.source 'logical-replication' (PostgreSQL)", () => {
  let cdc: CdcOutbox;

  beforeAll(async () => {
    cdc = await openCdcOutbox('cdc_pkg');
  });
  afterAll(async () => {
    await cdc?.close();
  });
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const appModule = (relayEnabled: boolean) => {
    @Module({
      imports: [
        CqrsBrokerModule.forRoot({ broker: new InMemoryMessageBroker() }),
        OutboxModule.forRoot({ dataSource: cdc.dataSource, tableName: cdc.table, relay: { enabled: relayEnabled, source: 'logical-replication', slotName: cdc.slotName } }),
      ],
    })
    class AppModule {}
    return AppModule;
  };

  it('missing, an app whose relay streams the slot fails at startup with one line naming it', async () => {
    const startup = NestFactory.createApplicationContext(appModule(true), { logger: false, abortOnError: false });
    await expect(startup).rejects.toBeInstanceOf(MissingPeerDependencyException);
    await expect(startup).rejects.toThrow(LINE);
  });

  it('missing, the relay microservice fails to listen with that line; a writer without a relay starts', async () => {
    const relayApp = await NestFactory.createMicroservice(appModule(false), { strategy: new OutboxRelayServer(), logger: false });
    try {
      await expect(relayApp.listen()).rejects.toThrow(LINE);
    } finally {
      await relayApp.close();
    }
    const writer = await NestFactory.createApplicationContext(appModule(false), { logger: false });
    await writer.close();
  });
});
