// A traced process of the cross-process trace test: the OpenTelemetry Node SDK (OTLP over HTTP/JSON to the test's
// receiver, from the standard OTEL_* variables) with the http instrumentation, plus the kafkajs and amqplib ones when
// TRACE_INSTRUMENT_BROKERS=1; then either the app (ROLE=app: POST /things -> CreateThing -> outbox; a consumer of
// ThingCreated on the same broker) or the relay (ROLE=relay). Prints READY, and HANDLED <id> per handled event.
// Run: node --import ./test/brokers/support/child/register.mjs test/tracing/support/traced-child.ts
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`traced-child needs ${name}`);
  return value;
};

const instrumentBrokers = process.env.TRACE_INSTRUMENT_BROKERS === '1';
const sdk = new NodeSDK({
  instrumentations: [new HttpInstrumentation(), ...(instrumentBrokers ? [new KafkaJsInstrumentation(), new AmqplibInstrumentation()] : [])],
});
sdk.start();
// The instrumentations patch through require hooks: load the CommonJS clients through require once, so the copies
// the library's ESM imports get are the patched ones.
const require = createRequire(import.meta.url);
require('kafkajs');
require('amqplib');

async function main(): Promise<void> {
  const { Body, Controller, Injectable, Module, Post } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { IsString } = await import('class-validator');
  const { DataSource } = await import('typeorm');
  const lib = await import('nestjs-cqrs-broker');
  const { createOutboxEntity, OutboxModule, OutboxTransaction } = await import('nestjs-cqrs-broker/outbox');
  const { KafkaEventConsumer, KafkaMessageBroker } = await import('nestjs-cqrs-broker/kafka');
  const { AmqpEventConsumer, AmqpMessageBroker } = await import('nestjs-cqrs-broker/amqp');

  const role = env('ROLE');
  const kafka = env('TRACE_BROKER') === 'kafka';
  const topic = env('TRACE_TOPIC');
  const tableName = env('TRACE_TABLE');
  const dataSource = new DataSource({ type: 'postgres', url: env('TRACE_POSTGRES_URL'), entities: [createOutboxEntity({ databaseType: 'postgres', tableName })] });
  await dataSource.initialize();
  const broker = kafka
    ? new KafkaMessageBroker({ client: { brokers: env('TRACE_KAFKA_BROKERS').split(',') } })
    : new AmqpMessageBroker({ url: env('TRACE_AMQP_URL'), exchange: env('TRACE_EXCHANGE') });

  class ThingPayload {
    @IsString() id!: string;
  }
  @lib.IntegrationEvent({ name: 'thing_created', topic, payload: ThingPayload })
  class ThingCreated extends lib.ECSTEvent<ThingPayload> {}

  class CreateThing extends lib.Request<void> {
    constructor(readonly id: string) {
      super();
    }
  }

  @lib.HandlesRequest(CreateThing)
  @Injectable()
  class CreateThingHandler {
    constructor(private readonly outbox: InstanceType<typeof OutboxTransaction>) {}
    async handle(command: CreateThing): Promise<void> {
      await this.outbox.run(async (tx) => tx.add(new ThingCreated({ payload: { id: command.id }, key: command.id })));
    }
  }

  @lib.HandlesEvent(ThingCreated)
  @Injectable()
  class ThingCreatedHandler {
    async handle(event: ThingCreated): Promise<void> {
      process.stdout.write(`HANDLED ${event.payload.id}\n`);
    }
  }

  @Controller('things')
  class ThingsController {
    constructor(private readonly mediator: InstanceType<typeof lib.RequestMediator>) {}
    @Post()
    async create(@Body() body: { id: string }): Promise<{ id: string }> {
      await this.mediator.send(new CreateThing(body.id));
      return { id: body.id };
    }
  }
  Reflect.defineMetadata('design:paramtypes', [lib.RequestMediator], ThingsController);
  Reflect.defineMetadata('design:paramtypes', [OutboxTransaction], CreateThingHandler);

  const core = [
    lib.CqrsBrokerModule.forRoot({ tracing: true, broker }),
    OutboxModule.forRoot({ dataSource, tableName, relay: { enabled: role === 'relay', pollIntervalMs: 200 } }),
  ];
  if (role === 'relay') {
    @Module({ imports: core })
    class RelayModule {}
    const app = await NestFactory.createApplicationContext(RelayModule, { logger: ['error', 'warn'] });
    await app.init();
    process.stdout.write('READY\n');
    process.once('SIGTERM', () => void app.close().then(() => sdk.shutdown()).then(() => process.exit(0)));
    return;
  }

  @Module({
    imports: [...core, lib.EventConsumerModule.forRoot({ name: 'trace-consumer' })],
    controllers: [ThingsController],
    providers: [CreateThingHandler, ThingCreatedHandler],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.connectMicroservice({
    strategy: kafka
      ? new KafkaEventConsumer({ client: { brokers: env('TRACE_KAFKA_BROKERS').split(',') }, groupId: env('TRACE_GROUP'), topics: [topic] })
      : new AmqpEventConsumer({ url: env('TRACE_AMQP_URL'), queue: env('TRACE_GROUP'), exchange: env('TRACE_EXCHANGE'), routingKeys: [topic] }),
  });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${address.port}\n`);
  process.once('SIGTERM', () => void app.close().then(() => sdk.shutdown()).then(() => process.exit(0)));
}

main().catch((error) => {
  process.stderr.write(`traced-child failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
