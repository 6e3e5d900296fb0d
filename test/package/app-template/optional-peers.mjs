// Run by the package test with one optional peer of the library hidden from node_modules (its
// name in argv[2]), as in an app that did not install it. Prints `RESULT {json}`:
// - imported: each entry point of the package's exports → 'ok' or the import's error;
// - startup: what using the feature that needs the hidden package gives, one entry per use:
//   the message of the error it fails with (the test expects one line naming the package),
//   or 'started' for a feature that works without it.
import 'reflect-metadata';
import { createRequire } from 'node:module';

const hidden = process.argv[2];
const require = createRequire(import.meta.url);
const { exports } = require('nestjs-cqrs-broker/package.json');
const entryPoints = Object.keys(exports).filter((subpath) => subpath !== './package.json').map((subpath) => `nestjs-cqrs-broker${subpath.slice(1)}`);

const imported = {};
for (const entryPoint of entryPoints) {
  try {
    await import(entryPoint);
    imported[entryPoint] = 'ok';
  } catch (error) {
    imported[entryPoint] = String(error?.message ?? error).split('\n')[0];
  }
}

const { Injectable, Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const root = await import('nestjs-cqrs-broker');

/** The error message of `use`, or 'started'. */
async function outcome(use) {
  try {
    await use();
    return 'started';
  } catch (error) {
    return String(error?.message ?? error);
  }
}

/** Starts and closes an app of `imports` (+ `providers`), as `NestFactory.create` would at startup. */
async function boot(imports, providers = []) {
  class AppModule {}
  Module({ imports, providers })(AppModule);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  await app.close();
}

const sqlite = async () => {
  const { DataSource } = await import('typeorm');
  const { createOutboxEntity } = await import('nestjs-cqrs-broker/outbox');
  return new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [createOutboxEntity({ databaseType: 'better-sqlite3' })], synchronize: true }).initialize();
};

const uses = {
  typeorm: {
    createOutboxEntity: async () => (await import('nestjs-cqrs-broker/outbox')).createOutboxEntity({ databaseType: 'better-sqlite3' }),
    OutboxModule: async () => boot([root.CqrsBrokerModule.forRoot({}), (await import('nestjs-cqrs-broker/outbox')).OutboxModule.forRoot({})]),
    InboxModule: async () => boot([root.CqrsBrokerModule.forRoot({}), (await import('nestjs-cqrs-broker/inbox')).InboxModule.forRoot({})]),
    SagaModule: async () => boot([root.CqrsBrokerModule.forRoot({}), (await import('nestjs-cqrs-broker/saga')).SagaModule.forRoot({})]),
  },
  kafkajs: {
    KafkaMessageBroker: async () => {
      const { KafkaMessageBroker } = await import('nestjs-cqrs-broker/kafka');
      await boot([root.CqrsBrokerModule.forRoot({ broker: new KafkaMessageBroker({ client: { brokers: ['127.0.0.1:9'] } }) })]);
    },
  },
  'amqp-connection-manager': {
    AmqpMessageBroker: async () => {
      const { AmqpMessageBroker } = await import('nestjs-cqrs-broker/amqp');
      const broker = new AmqpMessageBroker({ url: 'amqp://127.0.0.1:9' });
      await broker.close?.();
    },
  },
  cockatiel: {
    'a circuit breaker': async () => {
      class Ask extends root.Request {}
      class Answer {
        handle() {
          throw new Error('down');
        }
      }
      class Fallback {
        handle() {
          return 'fallback';
        }
      }
      Injectable()(Answer);
      Injectable()(Fallback);
      const requests = new root.RequestMap().bind(Ask, Answer, { fallback: { handler: Fallback, breaker: true } });
      await boot([root.CqrsBrokerModule.forRoot({ requests })], [Answer, Fallback]);
    },
  },
  '@nestjs/schedule': {
    // Nothing needs it: the relay's purge runs on its own timer, registered as a job only in an app that imports ScheduleModule.
    'the outbox and its relay': async () => {
      const { OutboxModule } = await import('nestjs-cqrs-broker/outbox');
      const dataSource = await sqlite();
      await boot([root.CqrsBrokerModule.forRoot({ broker: new root.InMemoryMessageBroker() }), OutboxModule.forRoot({ dataSource })]);
      await dataSource.destroy();
    },
  },
};
uses['@opentelemetry/api'] = {
  'tracing: true': async () => boot([root.CqrsBrokerModule.forRoot({ tracing: true })]),
};
uses.protobufjs = {
  'a protobuf event': async () => {
    class RoomBooked extends root.NotificationEvent {}
    const codec = root.protobufCodec({ protoSource: 'syntax = "proto3"; message RoomBooked { string room_id = 1; }', messageType: 'RoomBooked' });
    root.IntegrationEvent({ name: 'room_booked', topic: 'rooms', codec })(RoomBooked);
    await boot([root.CqrsBrokerModule.forRoot({ integrationEvents: [RoomBooked] })]);
  },
};
uses['prom-client'] = {
  'metrics: true': async () => boot([root.CqrsBrokerModule.forRoot({ metrics: true })]),
};
uses['@nestjs/terminus'] = {
  'the health indicators': async () => {
    const { CqrsHealthModule } = await import('nestjs-cqrs-broker/health');
    await boot([root.CqrsBrokerModule.forRoot({}), CqrsHealthModule]);
  },
};
uses.amqplib = uses['amqp-connection-manager'];

const startup = {};
for (const [use, run] of Object.entries(uses[hidden] ?? {})) startup[use] = await outcome(run);
console.log(`RESULT ${JSON.stringify({ hidden, imported, startup })}`);
