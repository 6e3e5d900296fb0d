// OutboxRelayServer and SagaRecoveryServer beside one of Nest's own transports in a hybrid app: each server gets only
// its own patterns. Before they had a transportId, Nest's ServerTCP (like ServerKafka) found `cqrs-broker.outbox-relay`
// in its handler map too.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants.js';
import { ServerTCP, Transport } from '@nestjs/microservices';
import { CQRS_BROKER_TRANSPORT, CqrsBrokerModule } from 'nestjs-cqrs-broker';
import { OutboxModule, OutboxRelay, OutboxRelayServer } from 'nestjs-cqrs-broker/outbox';
import { SagaRecoveryServer } from 'nestjs-cqrs-broker/saga';
import { SagaRecoveryController } from '../../libs/cqrs-broker/src/saga/saga-recovery.controller.js';
import { databaseNamed, dropTable, uniqueTable } from './databases.js';
import { booked, eventually, idsOf, openOutbox, recordingBroker } from './harness.js';

describe("OutboxRelayServer beside Nest's ServerTCP in one hybrid app", () => {
  it('gives each server only its own patterns, and the relay still publishes', async () => {
    const table = uniqueTable('hybrid');
    const outbox = await openOutbox(databaseNamed('sqlite'), table, { synchronize: true });
    const { broker, received } = recordingBroker();
    @Module({ imports: [CqrsBrokerModule.forRoot({ broker }), OutboxModule.forRoot({ dataSource: outbox.dataSource, tableName: table, relay: { enabled: false } })] })
    class HybridModule {}
    const app = await NestFactory.create(HybridModule, { logger: false });
    const tcp = new ServerTCP({ host: '127.0.0.1', port: 0 });
    const relayServer = new OutboxRelayServer();
    app.connectMicroservice({ strategy: tcp });
    app.connectMicroservice({ strategy: relayServer });
    try {
      await app.init();
      await app.startAllMicroservices();
      expect(relayServer.transportId).toBe(CQRS_BROKER_TRANSPORT);
      expect(tcp.transportId).toBe(Transport.TCP);
      expect([...tcp.getHandlers().keys()]).toEqual([]);
      expect([...relayServer.getHandlers().keys()]).toEqual(['cqrs-broker.outbox-relay']);
      expect(app.get(OutboxRelay).running).toBe(true);
      const ids = await outbox.transaction.run(async (tx) => {
        const events = [booked(1), booked(2)];
        tx.add(...events);
        return events.map((e) => e.eventId);
      });
      await eventually(() => received.length === 2, 'the relay server published both events', 5_000);
      expect(idsOf(received)).toEqual(ids);
    } finally {
      await app.close();
      await dropTable(outbox.dataSource, table);
      await outbox.close();
    }
  });

  it('binds the saga recovery pattern to this library\'s transport too', () => {
    expect(new SagaRecoveryServer().transportId).toBe(CQRS_BROKER_TRANSPORT);
    const register = SagaRecoveryController.prototype.register;
    expect(Reflect.getMetadata(PATTERN_METADATA, register)).toEqual(['cqrs-broker.saga-recovery']);
    expect(Reflect.getMetadata(TRANSPORT_METADATA, register)).toBe(CQRS_BROKER_TRANSPORT);
  });
});
