// The app the package test generates, ESM and CommonJS alike, on Nest 11 and 12. Two Nest
// microservices in one process share an in-memory broker, as two services would share Kafka:
// - rooms: a command whose handler writes an entity and an integration event through the
//   outbox, and the relay as a microservice (OutboxRelayServer);
// - notifications: the consumer (InMemoryEventConsumer), whose handler writes through the inbox.
// It prints one line `RESULT {json}` for the test to check and exits non-zero on failure.
// It imports only the published package (never the sources), so what compiles here is what
// users get. The monorepo's type check compiles it too (against the sources), so API changes
// that break it show up there first.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsString } from 'class-validator';
import {
  CqrsBrokerModule,
  EventConsumerModule,
  HandlesEvent,
  HandlesRequest,
  InMemoryEventConsumer,
  InMemoryMessageBroker,
  IntegrationEvent,
  NotificationEvent,
  Request,
  RequestMediator,
  type BrokerMessage,
  type EventHandler,
  type RequestHandler,
} from 'nestjs-cqrs-broker';
import { AmqpMessageBroker } from 'nestjs-cqrs-broker/amqp';
import { Inbox, InboxModule, createInboxEntity } from 'nestjs-cqrs-broker/inbox';
import { KafkaMessageBroker } from 'nestjs-cqrs-broker/kafka';
import { OutboxAdmin, OutboxModule, OutboxRelayServer, OutboxTransaction, createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';

@Entity('rooms')
class Room {
  @PrimaryColumn() id!: string;
  @Column() name!: string;
}

@Entity('notifications')
class Notification {
  @PrimaryColumn() id!: string;
  @Column() eventId!: string;
  @Column() text!: string;
}

class RoomBookedPayload {
  @IsString() roomId!: string;
  @IsString() name!: string;
}

@IntegrationEvent({ name: 'room_booked', topic: 'rooms', payload: RoomBookedPayload })
class RoomBooked extends NotificationEvent<RoomBookedPayload> {}

class BookRoomCommand extends Request<string> {
  constructor(readonly name: string) {
    super();
  }
}

@HandlesRequest(BookRoomCommand)
@Injectable()
class BookRoomCommandHandler implements RequestHandler<BookRoomCommand> {
  constructor(private readonly outbox: OutboxTransaction) {}

  handle({ name }: BookRoomCommand): Promise<string> {
    const id = randomUUID();
    return this.outbox.run(async ({ manager, add }) => {
      await manager.insert(Room, { id, name });
      add(new RoomBooked({ payload: { roomId: id, name }, key: id }));
      return id;
    });
  }
}

/** What the consumer's handler did, per inbox outcome. */
const handled = { processed: 0, duplicate: 0 };

@HandlesEvent(RoomBooked)
@Injectable()
class RoomBookedHandler implements EventHandler<RoomBooked> {
  constructor(private readonly inbox: Inbox) {}

  async handle(event: RoomBooked): Promise<void> {
    const outcome = await this.inbox.transaction(event, (manager) =>
      manager.insert(Notification, { id: randomUUID(), eventId: event.eventId, text: `${event.payload.name} booked` }),
    );
    handled[outcome.status]++;
  }
}

/** Both services' broker: what Kafka or RabbitMQ would be between two processes. */
const broker = new InMemoryMessageBroker();

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Room, createOutboxEntity({ databaseType: 'better-sqlite3' })],
      synchronize: true,
    }),
    CqrsBrokerModule.forRoot({ broker }),
    // The relay runs in the OutboxRelayServer microservice, not on bootstrap.
    OutboxModule.forRootAsync({
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => ({ dataSource, relay: { enabled: false, pollIntervalMs: 100 } }),
    }),
  ],
  providers: [BookRoomCommandHandler],
})
class RoomsModule {}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [Notification, createInboxEntity()], synchronize: true }),
    CqrsBrokerModule.forRoot({ broker }),
    InboxModule.forRoot({}),
    EventConsumerModule.forRoot({ name: 'package-test' }),
  ],
  providers: [RoomBookedHandler],
})
class NotificationsModule {}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const logger: ('error' | 'warn')[] = ['error', 'warn'];
  const notifications = await NestFactory.createMicroservice(NotificationsModule, { strategy: new InMemoryEventConsumer(), logger });
  await notifications.listen();
  const rooms = await NestFactory.createMicroservice(RoomsModule, { strategy: new OutboxRelayServer(), logger });
  await rooms.listen();
  const delivered: BrokerMessage[] = [];
  broker.subscribe('rooms', (message) => void delivered.push(message));

  // The result type comes from Request<string>: no cast.
  const roomId: string = await rooms.get(RequestMediator).send(new BookRoomCommand('Ada'));
  await until('the consumer handled the event', () => handled.processed >= 1);

  // At least once: a redelivery of the same message reaches the handler, and the inbox absorbs it.
  await broker.publish([delivered[0]!]);
  await until('the redelivery was handled', () => handled.processed + handled.duplicate >= 2);

  const result = {
    roomId,
    rooms: await rooms.get(DataSource).getRepository(Room).count(),
    outbox: await rooms.get(OutboxAdmin).stats(),
    delivered: delivered.length,
    handled,
    notifications: await notifications.get(DataSource).getRepository(Notification).count(),
    entryPoints: { kafka: typeof KafkaMessageBroker, amqp: typeof AmqpMessageBroker },
  };
  await rooms.close();
  await notifications.close();
  console.log(`RESULT ${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
