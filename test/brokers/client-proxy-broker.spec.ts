// ClientProxyMessageBroker over Nest's own clients (ClientsModule), against real brokers: the
// outbox relay publishes through the app's ClientRMQ to a Nest @EventPattern consumer, and
// through ClientKafka to a plain Kafka topic (key, headers and body as KafkaMessageBroker sends them).
import { Controller, Inject, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Ctx, EventPattern, Payload, RmqContext, Transport, type ClientProxy, type MicroserviceOptions } from '@nestjs/microservices';
import {
  ClientProxyMessageBroker,
  CqrsBrokerModule,
  EventSerializer,
  IntegrationEvent,
  IntegrationEventRegistry,
  MessageHeaders,
  NotificationEvent,
  UnsupportedOperationException,
} from 'nestjs-cqrs-broker';
import { OutboxModule, OutboxTransaction, createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import { DataSource } from 'typeorm';
import { deleteAmqp } from './support/amqp-raw.js';
import { readKafkaTopic, rawKafka } from './support/kafka-raw.js';
import { AMQP_URL, KAFKA_BROKERS, eventually, requireKafka, requireRabbitMq, unique } from './support/services.js';

interface RoomOpenedPayload {
  roomId: string;
}

@IntegrationEvent({ name: 'room_opened', topic: 'rooms' })
class RoomOpened extends NotificationEvent<RoomOpenedPayload> {}

const CLIENT = 'ROOMS_CLIENT';

/** What the Nest RabbitMQ consumer received. */
const consumed: Array<{ data: Record<string, unknown>; headers: Record<string, unknown>; messageId: unknown; pattern: unknown }> = [];

@Controller()
class RoomsConsumer {
  @EventPattern('rooms')
  onRoom(@Payload() data: Record<string, unknown>, @Ctx() context: unknown): void {
    const rmq = context as RmqContext;
    const message = rmq.getMessage() as { properties: { headers: Record<string, unknown>; messageId: unknown } };
    consumed.push({ data, headers: message.properties.headers, messageId: message.properties.messageId, pattern: rmq.getPattern() });
  }
}

describe('ClientProxyMessageBroker over ClientRMQ: the outbox relay publishes through the app\'s ClientsModule client', () => {
  const queue = unique('client-proxy-rmq');
  let dataSource: DataSource;
  let app: INestApplicationContext;
  let consumer: INestApplicationContext & { close(): Promise<void> };

  beforeAll(async () => {
    await requireRabbitMq();
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [createOutboxEntity({ databaseType: 'better-sqlite3' })], synchronize: true }).initialize();

    @Module({ controllers: [RoomsConsumer] })
    class ConsumerModule {}
    const service = await NestFactory.createMicroservice<MicroserviceOptions>(ConsumerModule, {
      transport: Transport.RMQ,
      options: { urls: [AMQP_URL], queue, queueOptions: { durable: true } },
      logger: false,
    });
    await service.listen();
    consumer = service;

    const clients = ClientsModule.register([{ name: CLIENT, transport: Transport.RMQ, options: { urls: [AMQP_URL], queue, queueOptions: { durable: true } } }]);
    @Module({
      imports: [
        CqrsBrokerModule.forRootAsync({
          imports: [clients],
          inject: [CLIENT],
          useFactory: (client: ClientProxy) => ({ broker: new ClientProxyMessageBroker(client), integrationEvents: [RoomOpened] }),
        }),
        OutboxModule.forRoot({ dataSource, relay: { pollIntervalMs: 200 } }),
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await consumer?.close();
    await dataSource?.destroy();
    await deleteAmqp({ queues: [queue] });
  });

  it('a Nest @EventPattern handler gets the event\'s JSON as data, and the headers and event id as message properties', async () => {
    const event = new RoomOpened({ payload: { roomId: 'r-1' }, key: 'r-1' });
    await app.get(OutboxTransaction).run(async (tx) => tx.add(event));
    await eventually(() => consumed.some((m) => m.data.event_id === event.eventId), 'the consumer receives the event');
    const received = consumed.find((m) => m.data.event_id === event.eventId)!;
    expect(received.pattern).toBe('rooms');
    expect(received.data).toMatchObject({ event_id: event.eventId, event_name: 'room_opened', payload: { roomId: 'r-1' } });
    expect(received.messageId).toBe(event.eventId);
    expect(received.headers).toMatchObject({ [MessageHeaders.eventId]: event.eventId, [MessageHeaders.eventName]: 'room_opened' });
  });
});

describe('ClientProxyMessageBroker over ClientKafka', () => {
  const topic = unique('client-proxy-kafka');
  let app: INestApplicationContext;

  @Module({})
  class Holder {
    constructor(@Inject(CLIENT) readonly client: ClientProxy) {}
  }

  beforeAll(async () => {
    await requireKafka();
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    @Module({
      imports: [ClientsModule.register([{ name: CLIENT, transport: Transport.KAFKA, options: { client: { clientId: unique('proxy'), brokers: KAFKA_BROKERS }, producerOnlyMode: true } }])],
      providers: [Holder],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  });
  afterAll(async () => {
    await app?.close();
    const admin = rawKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('writes the key, every header and the body bytes unchanged, one key\'s messages in order', async () => {
    const registry = new IntegrationEventRegistry();
    registry.register(RoomOpened);
    const serializer = new EventSerializer(registry);
    const events = [1, 2, 3].map((n) => new RoomOpened({ payload: { roomId: `r-${n}` }, key: 'room-key' }));
    const messages = events.map((event) => ({ ...serializer.toMessage(event), topic }));
    const broker = new ClientProxyMessageBroker(app.get(Holder).client);
    await broker.publish(messages);

    const read = await readKafkaTopic(topic, 3);
    expect(read.map((m) => m.headerText(MessageHeaders.eventId))).toEqual(events.map((e) => e.eventId));
    for (const [i, message] of read.entries()) {
      expect(message.key?.toString()).toBe('room-key');
      expect(message.value).toEqual(messages[i].body);
      for (const [name, value] of Object.entries(messages[i].headers)) expect(message.headerText(name)).toBe(value);
    }
  });

  it('a non-JSON event over a JSON-framing transport is refused with what to use instead', async () => {
    // Any client other than ClientKafka and ClientRMQ gets the event's JSON as data (NATS, Redis, MQTT, TCP).
    class JsonFramingClient {
      emit(): never {
        throw new Error('not reached: the message is refused before it is emitted');
      }
    }
    const broker = new ClientProxyMessageBroker(new JsonFramingClient() as unknown as ClientProxy);
    const message = { topic, eventId: 'e', eventName: 'room_opened', body: Buffer.from([8, 1]), headers: { [MessageHeaders.contentType]: 'application/x-protobuf' } };
    const refused = broker.publish([message]);
    await expect(refused).rejects.toBeInstanceOf(UnsupportedOperationException);
    await expect(refused).rejects.toThrow('JsonFramingClient frames messages as JSON: event room_opened is application/x-protobuf; use ClientKafka');
  });
});
