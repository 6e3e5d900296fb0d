// A consumer in a process of its own, for tests and measurements that SIGKILL it: Kafka or RabbitMQ, the probe event,
// optionally an InboxAttemptStore on PostgreSQL. It prints `READY` once consuming and `HANDLED <event id>` per handled
// event; a probe with `crash: true` SIGKILLs the process from inside its handler.
// Run: node --import ./test/brokers/support/child/register.mjs test/brokers/support/child/consumer-child.ts
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { IsBoolean, IsInt, IsOptional, IsString } from 'class-validator';
import { DataSource } from 'typeorm';
import { CqrsBrokerModule, ECSTEvent, EventConsumerModule, HandlesEvent, IntegrationEvent, type EventHandler } from 'nestjs-cqrs-broker';
import { AmqpEventConsumer } from 'nestjs-cqrs-broker/amqp';
import { createInboxAttemptsEntity, InboxAttemptStore } from 'nestjs-cqrs-broker/inbox';
import { KafkaEventConsumer } from 'nestjs-cqrs-broker/kafka';

class ChildPayload {
  @IsString() key!: string;
  @IsInt() seq!: number;
  @IsOptional() @IsBoolean() crash?: boolean;
}

// The same name as the tests' ProbeEvent, so the parent publishes with its own class.
@IntegrationEvent({ name: 'broker_test_probe', topic: 'unused', payload: ChildPayload })
class ChildEvent extends ECSTEvent<ChildPayload> {}

@HandlesEvent(ChildEvent)
@Injectable()
class ChildHandler implements EventHandler<ChildEvent> {
  async handle(event: ChildEvent): Promise<void> {
    process.stdout.write(`ATTEMPT ${event.eventId}\n`);
    if (event.payload.crash) process.kill(process.pid, 'SIGKILL');
    process.stdout.write(`HANDLED ${event.eventId}\n`);
  }
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`consumer-child needs ${name}`);
  return value;
};

async function main(): Promise<void> {
  const topic = env('CHILD_TOPIC');
  let dataSource: DataSource | undefined;
  if (process.env.CHILD_POSTGRES_URL) {
    const tableName = env('CHILD_ATTEMPTS_TABLE');
    dataSource = new DataSource({ type: 'postgres', url: process.env.CHILD_POSTGRES_URL, entities: [createInboxAttemptsEntity({ tableName })] });
    await dataSource.initialize();
  }
  const strategy =
    env('CHILD_BROKER') === 'kafka'
      ? new KafkaEventConsumer({
          client: { brokers: env('CHILD_KAFKA_BROKERS').split(',') },
          groupId: env('CHILD_GROUP'),
          topics: [topic],
          ...(process.env.CHILD_SESSION_TIMEOUT && { consumer: { sessionTimeout: Number(process.env.CHILD_SESSION_TIMEOUT), heartbeatInterval: 3_000 } }),
        })
      : new AmqpEventConsumer({ url: env('CHILD_AMQP_URL'), queue: env('CHILD_GROUP'), exchange: env('CHILD_EXCHANGE'), routingKeys: [topic] });

  @Module({
    imports: [
      CqrsBrokerModule.forRoot({}),
      EventConsumerModule.forRoot({
        name: env('CHILD_CONSUMER_NAME'),
        retry: { maxAttempts: Number(process.env.CHILD_MAX_ATTEMPTS ?? 3), initialDelayMs: 10 },
        ...(dataSource && { attempts: new InboxAttemptStore(dataSource, { tableName: env('CHILD_ATTEMPTS_TABLE') }) }),
      }),
    ],
    providers: [ChildHandler],
  })
  class ChildModule {}

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(ChildModule, { strategy, logger: ['error', 'warn'] });
  await app.listen();
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => void app.close().then(() => dataSource?.destroy()).then(() => process.exit(0)));
}

main().catch((error) => {
  process.stderr.write(`consumer-child failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
