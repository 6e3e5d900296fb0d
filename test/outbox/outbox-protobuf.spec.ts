import { IsInt, IsString } from 'class-validator';
import { EventSerializer, InMemoryMessageBroker, IntegrationEvent, IntegrationEventRegistry, NotificationEvent, protobufCodec, type BrokerMessage } from 'nestjs-cqrs-broker';
import {
  createOutboxDialect,
  createOutboxEntity,
  OutboxCommitSubscriber,
  OutboxRelay,
  OutboxRepository,
  OutboxTransaction,
  OutboxWakeup,
  type OutboxCodec,
} from 'nestjs-cqrs-broker/outbox';
import type { DataSource } from 'typeorm';
import { connect, databases, dropTable, uniqueTable } from './databases.js';
import { eventually } from './harness.js';

class SeatBookedPayload {
  @IsString() room!: string;
  @IsInt() seat!: number;
  /** An int64, read as a decimal string. */
  @IsString() booking!: string;
}

@IntegrationEvent({
  name: 'seat_booked',
  topic: 'seats',
  payload: SeatBookedPayload,
  codec: protobufCodec({
    protoSource: 'syntax = "proto3"; package outbox_test; message SeatBookedPayload { string room = 1; int32 seat = 2; int64 booking = 3; }',
    messageType: 'outbox_test.SeatBookedPayload',
  }),
})
class SeatBooked extends NotificationEvent<SeatBookedPayload> {}

describe.each(databases)('protobuf events through the outbox on $name', (db) => {
  const table = uniqueTable('protobuf');
  let dataSource: DataSource;
  let serializer: EventSerializer;
  const commits: OutboxCommitSubscriber[] = [];

  beforeAll(async () => {
    dataSource = await connect(db, [createOutboxEntity({ databaseType: db.type, tableName: table })], { synchronize: true });
    const registry = new IntegrationEventRegistry();
    registry.register(SeatBooked);
    serializer = new EventSerializer(registry);
    await serializer.prepare();
  });
  afterAll(async () => {
    for (const subscriber of commits) subscriber.detach();
    await dropTable(dataSource, table);
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  it.each<OutboxCodec>(['none', 'gzip'])('stores the bytes with content_type application/x-protobuf (row codec %s) and the relay publishes them unchanged, content-type header included', async (codec) => {
    const dialect = createOutboxDialect(dataSource, table);
    const wakeup = new OutboxWakeup();
    const subscriber = new OutboxCommitSubscriber(dataSource, wakeup);
    subscriber.attach();
    commits.push(subscriber);
    const transaction = new OutboxTransaction(dataSource, new OutboxRepository(dialect, serializer, codec, subscriber, true));
    const event = new SeatBooked({ payload: { room: 'r-1', seat: 12, booking: '9007199254740993' }, key: 'r-1' });
    await transaction.run(async (tx) => {
      tx.add(event);
    });

    const [row] = await dataSource.query(`SELECT content_type, codec FROM ${dataSource.driver.escape(table)} WHERE event_id = '${event.eventId}'`);
    expect([row.content_type, row.codec]).toEqual(['application/x-protobuf', codec]);

    const broker = new InMemoryMessageBroker();
    const received: BrokerMessage[] = [];
    broker.subscribe('seats', (message) => void received.push(message));
    const relay = new OutboxRelay({ dialect, broker, wakeup, options: { pollIntervalMs: 50 } });
    await relay.drain();
    await eventually(() => received.some((message) => message.eventId === event.eventId), 'the relay published the event');
    const published = received.find((message) => message.eventId === event.eventId)!;
    expect(published.body.equals(serializer.toMessage(event).body)).toBe(true);
    expect(published.headers['content-type']).toBe('application/x-protobuf');
    const read = await serializer.fromBody(published.body, published.headers, published.key, published.topic);
    expect(read).toBeInstanceOf(SeatBooked);
    expect({ ...(read.payload as object) }).toEqual({ room: 'r-1', seat: 12, booking: '9007199254740993' });
    expect([read.eventId, read.key, read.eventTimestamp.toISOString()]).toEqual([event.eventId, 'r-1', event.eventTimestamp.toISOString()]);
  });
});
