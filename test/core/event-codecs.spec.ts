import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import protobuf from 'protobufjs';
import {
  ConfigurationException,
  CqrsBrokerModule,
  CqrsBrokerErrorCode,
  EventConsumerModule,
  EventConsumerPipeline,
  EventSerializer,
  HandlesEvent,
  IntegrationEvent,
  IntegrationEventRegistry,
  InvalidOptionException,
  JSON_CONTENT_TYPE,
  MalformedEventException,
  NotificationEvent,
  PROTOBUF_CONTENT_TYPE,
  UnserializableEventException,
  UnsupportedContentTypeException,
  protobufCodec,
  wireInfoOf,
  type EventHandler,
} from 'nestjs-cqrs-broker';

const MEETINGS_PROTO = `
syntax = "proto3";
package meetings;
message UserJoinedPayload {
  string user_id = 1;
  string meeting_id = 2;
}
enum Seat { STANDING = 0; WINDOW = 1; AISLE = 2; }
message SeatBookedPayload {
  int64 booking_no = 1;
  Seat seat = 2;
  repeated string guests = 3;
}
`;

/**
 * The layout of python-cqrs's protobuf example (examples/proto/user_joined.proto
 * in pypatterns/python-cqrs), written out here: the event's own fields and
 * the payload as an embedded message, no topic.
 */
const PYTHON_CQRS_EXAMPLE_LAYOUT = `
syntax = "proto3";
message UserJoinedNotification {
  message Payload {
    string user_id = 1;
    string meeting_id = 2;
  }
  string event_id = 1;
  string event_timestamp = 2;
  string event_name = 3;
  Payload payload = 6;
}
`;
const pythonLayout = protobuf.parse(PYTHON_CQRS_EXAMPLE_LAYOUT, { keepCase: true }).root.lookupType('UserJoinedNotification');

class UserJoinedPayload {
  @IsString() @IsNotEmpty() user_id!: string;
  @IsString() meeting_id!: string;
}

@IntegrationEvent({
  name: 'user_joined',
  topic: 'user_notification_events',
  payload: UserJoinedPayload,
  codec: protobufCodec({ protoSource: MEETINGS_PROTO, messageType: 'meetings.UserJoinedPayload' }),
})
class UserJoined extends NotificationEvent<UserJoinedPayload> {}

class SeatBookedPayload {
  @IsString() booking_no!: string;
  @IsIn(['STANDING', 'WINDOW', 'AISLE']) seat!: string;
  guests!: string[];
}

@IntegrationEvent({
  name: 'seat_booked',
  topic: 'seats',
  payload: SeatBookedPayload,
  codec: protobufCodec({ protoSource: MEETINGS_PROTO, messageType: 'meetings.SeatBookedPayload' }),
})
class SeatBooked extends NotificationEvent<SeatBookedPayload> {}

@IntegrationEvent({ name: 'room_closed', topic: 'rooms' })
class RoomClosed extends NotificationEvent<{ room_id: number }> {}

const EVENT_ID = '82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2';
const protobufHeaders = { 'content-type': PROTOBUF_CONTENT_TYPE };

async function preparedSerializer(...types: Array<typeof NotificationEvent<any>>): Promise<EventSerializer> {
  const registry = new IntegrationEventRegistry();
  for (const type of types) registry.register(type);
  const serializer = new EventSerializer(registry);
  await serializer.prepare();
  return serializer;
}

describe('protobuf codec: writing', () => {
  let serializer: EventSerializer;
  beforeAll(async () => {
    serializer = await preparedSerializer(UserJoined, SeatBooked, RoomClosed);
  });

  it('writes content-type application/x-protobuf, and event-id / event-name headers as for JSON', () => {
    const message = serializer.toMessage(new UserJoined({ payload: { user_id: 'u-1', meeting_id: 'm-1' }, eventId: EVENT_ID, headers: { 'x-own': '1' } }));
    expect(message.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'event-id': EVENT_ID, 'event-name': 'user_joined', 'x-own': '1' });
    expect(message.body[0]).not.toBe('{'.charCodeAt(0));
  });

  it("writes bytes python-cqrs's example layout reads: event_id 1, event_timestamp 2, event_name 3, payload 6 (topic 4 is skipped as unknown)", () => {
    const message = serializer.toMessage(
      new UserJoined({ payload: { user_id: 'u-1', meeting_id: 'm-1' }, eventId: EVENT_ID, eventTimestamp: new Date('2026-11-29T21:50:08.854Z') }),
    );
    const decoded = pythonLayout.toObject(pythonLayout.decode(message.body));
    expect(decoded).toEqual({
      event_id: EVENT_ID,
      event_timestamp: '2026-11-29T21:50:08.854Z',
      event_name: 'user_joined',
      payload: { user_id: 'u-1', meeting_id: 'm-1' },
    });
  });

  it('keeps JSON, with its content type, for classes without a codec', () => {
    const message = serializer.toMessage(new RoomClosed({ payload: { room_id: 7 }, eventId: EVENT_ID }));
    expect(message.headers['content-type']).toBe(JSON_CONTENT_TYPE);
    expect(JSON.parse(message.body.toString('utf8'))).toMatchObject({ event_name: 'room_closed', payload: { room_id: 7 } });
  });

  it('refuses a payload that does not fit the message type, naming the event and the type', () => {
    const event = new SeatBooked({ payload: { booking_no: 'not a number', seat: 'WINDOW', guests: [] } as unknown as SeatBookedPayload });
    expect(() => serializer.toMessage(event)).toThrow(UnserializableEventException);
    expect(() => serializer.toMessage(event)).toThrow(
      'Event "seat_booked" cannot be serialized: payload does not fit meetings.SeatBookedPayload: booking_no: integer|Long expected',
    );
    const wrongType = new SeatBooked({ payload: { booking_no: '1', seat: 'WINDOW', guests: 'ann' } as unknown as SeatBookedPayload });
    expect(() => serializer.toMessage(wrongType)).toThrow(/payload does not fit meetings\.SeatBookedPayload: guests: array expected/);
  });

  it('refuses an event of a protobuf class that was never registered (its codec is prepared only at startup)', async () => {
    const bare = new EventSerializer(new IntegrationEventRegistry());
    await bare.prepare();
    const event = new UserJoined({ payload: { user_id: 'u-1', meeting_id: 'm-1' } });
    expect(() => bare.toMessage(event)).toThrow(
      'Event "user_joined" cannot be serialized: its codec (application/x-protobuf) was not prepared: register UserJoined (handle it, or list it in integrationEvents) so its codec is prepared at startup',
    );
  });
});

describe('protobuf codec: reading', () => {
  let serializer: EventSerializer;
  beforeAll(async () => {
    serializer = await preparedSerializer(UserJoined, SeatBooked, RoomClosed);
  });

  it('reads back what it wrote: class, id, name, timestamp, topic, key, validated payload, content type', async () => {
    const sent = new UserJoined({ payload: { user_id: 'u-1', meeting_id: 'm-1' }, eventId: EVENT_ID, key: 'm-1', eventTimestamp: new Date('2026-11-29T21:50:08.854Z') });
    const message = serializer.toMessage(sent);
    const event = await serializer.fromBody(message.body, message.headers, message.key, message.topic);
    expect(event).toBeInstanceOf(UserJoined);
    expect(event.payload).toBeInstanceOf(UserJoinedPayload);
    expect({ ...event.payload as object }).toEqual({ user_id: 'u-1', meeting_id: 'm-1' });
    expect([event.eventId, event.eventName, event.topic, event.key, event.eventTimestamp.toISOString()]).toEqual([
      EVENT_ID, 'user_joined', 'user_notification_events', 'm-1', '2026-11-29T21:50:08.854Z',
    ]);
    expect(wireInfoOf(event)?.contentType).toBe(PROTOBUF_CONTENT_TYPE);
  });

  it('carries the topic in the body (field 4): read without the topic it came from, the event keeps the one it was sent to', async () => {
    const message = serializer.toMessage(new UserJoined({ payload: { user_id: 'u-1', meeting_id: 'm-1' }, topic: 'user_events_v2' }));
    const withTopic = protobuf.parse('syntax = "proto3"; message E { string topic = 4; }', { keepCase: true }).root.lookupType('E');
    expect(withTopic.toObject(withTopic.decode(message.body))).toEqual({ topic: 'user_events_v2' });
    expect((await serializer.fromBody(message.body, message.headers)).topic).toBe('user_events_v2');
  });

  it('reads 64-bit integers as decimal strings, enums by name, and unset fields at their defaults', async () => {
    const message = serializer.toMessage(new SeatBooked({ payload: { booking_no: '9007199254740993', seat: 'AISLE', guests: [] } }));
    const event = await serializer.fromBody(message.body, message.headers, undefined, 'seats');
    expect({ ...event.payload as object }).toEqual({ booking_no: '9007199254740993', seat: 'AISLE', guests: [] });
  });

  it("reads a body in python-cqrs's example layout: no topic (the one it was read from stands in), a naive timestamp with microseconds", async () => {
    const body = pythonLayout.encode(pythonLayout.fromObject({
      event_id: EVENT_ID.replaceAll('-', ''),
      event_timestamp: '2026-11-29T21:50:08.854936',
      event_name: 'user_joined',
      payload: { user_id: 'u-2', meeting_id: 'm-2' },
    })).finish();
    const event = await serializer.fromBody(Buffer.from(body), protobufHeaders, undefined, 'user_notification_events');
    expect(event).toBeInstanceOf(UserJoined);
    expect(event.eventId).toBe(EVENT_ID);
    expect(event.topic).toBe('user_notification_events');
    expect(event.eventTimestamp.toISOString()).toBe('2026-11-29T21:50:08.854Z');
    expect(wireInfoOf(event)?.eventTimestamp?.microsecond).toBe(854936);
    expect({ ...event.payload as object }).toEqual({ user_id: 'u-2', meeting_id: 'm-2' });
  });

  it('reads a protobuf body without a content type when its event-name header names a protobuf class (python-cqrs 5.x sends none on Kafka)', async () => {
    const body = pythonLayout.encode(pythonLayout.fromObject({ event_id: EVENT_ID, event_name: 'user_joined', payload: { user_id: 'u-3', meeting_id: 'm-3' } })).finish();
    const event = await serializer.fromBody(Buffer.from(body), { event_name: 'user_joined', message_id: EVENT_ID }, undefined, 'user_notification_events');
    expect(event).toBeInstanceOf(UserJoined);
    expect((event.payload as UserJoinedPayload).user_id).toBe('u-3');
  });

  it('takes the event name and id from the headers when the body lacks them', async () => {
    const body = pythonLayout.encode(pythonLayout.fromObject({ payload: { user_id: 'u-4', meeting_id: 'm-4' } })).finish();
    const event = await serializer.fromBody(Buffer.from(body), { ...protobufHeaders, 'event-name': 'user_joined', 'event-id': EVENT_ID }, undefined, 'user_notification_events');
    expect([event.eventId, event.eventName]).toEqual([EVENT_ID, 'user_joined']);
  });

  it('still reads JSON for a protobuf class (a python-cqrs producer may send its JSON), and JSON with parameters in its content type', async () => {
    const json = JSON.stringify({ event_id: EVENT_ID, event_timestamp: '2026-11-29T21:50:08Z', event_name: 'user_joined', topic: 'user_notification_events', payload: { user_id: 'u-5', meeting_id: 'm-5' } });
    const event = await serializer.fromBody(Buffer.from(json), { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(event).toBeInstanceOf(UserJoined);
    expect(wireInfoOf(event)?.contentType).toBe(JSON_CONTENT_TYPE);
  });

  it('rejects a content type no codec reads as UnsupportedContentTypeException, a MalformedEventException naming what it reads', async () => {
    const error = (await serializer.fromBody(Buffer.from('x'), { 'content-type': 'application/avro' }).catch((e: unknown) => e)) as UnsupportedContentTypeException;
    expect(error).toBeInstanceOf(UnsupportedContentTypeException);
    expect(error).toBeInstanceOf(MalformedEventException);
    expect(error.code).toBe(CqrsBrokerErrorCode.UnsupportedContentType);
    expect(error.message).toBe('Malformed event: content type "application/avro" has no codec in this app (it reads "application/json", "application/x-protobuf")');
  });

  it('reads no protobuf at all when no protobuf class is registered', async () => {
    const jsonOnly = await preparedSerializer(RoomClosed);
    await expect(jsonOnly.fromBody(Buffer.from([0x0a, 0x00]), protobufHeaders)).rejects.toThrow(UnsupportedContentTypeException);
  });

  it('rejects as malformed: bytes that are no envelope, a payload that fails validation, a protobuf body of a JSON class', async () => {
    await expect(serializer.fromBody(Buffer.from('{"event_id": 1}'), protobufHeaders)).rejects.toThrow(/^Malformed event: body is not a protobuf event envelope/);
    const invalid = pythonLayout.encode(pythonLayout.fromObject({ event_id: EVENT_ID, event_name: 'user_joined', payload: { user_id: '', meeting_id: 'm' } })).finish();
    await expect(serializer.fromBody(Buffer.from(invalid), protobufHeaders, undefined, 'user_notification_events')).rejects.toThrow(
      /^Malformed event: payload of "user_joined" failed validation: .*user_id/,
    );
    const ofJsonClass = pythonLayout.encode(pythonLayout.fromObject({ event_id: EVENT_ID, event_name: 'room_closed' })).finish();
    await expect(serializer.fromBody(Buffer.from(ofJsonClass), protobufHeaders, undefined, 'rooms')).rejects.toThrow(
      'Malformed event: "room_closed" is registered with the codec application/json, which cannot read a body of application/x-protobuf',
    );
  });
});

describe('protobufCodec options', () => {
  it('reads the message type from a .proto file at startup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cqrs-proto-'));
    const file = join(dir, 'meetings.proto');
    writeFileSync(file, MEETINGS_PROTO);
    @IntegrationEvent({ name: 'user_joined_file', topic: 'files', codec: protobufCodec({ protoFile: file, messageType: 'meetings.UserJoinedPayload' }) })
    class FromFile extends NotificationEvent<UserJoinedPayload> {}
    const serializer = await preparedSerializer(FromFile);
    const message = serializer.toMessage(new FromFile({ payload: { user_id: 'u', meeting_id: 'm' } }));
    expect({ ...((await serializer.fromBody(message.body, message.headers)).payload as object) }).toEqual({ user_id: 'u', meeting_id: 'm' });
  });

  it('takes a message type object (a protobufjs Type, or a pbjs static class)', async () => {
    const type = protobuf.parse(MEETINGS_PROTO, { keepCase: true }).root.lookupType('meetings.UserJoinedPayload');
    @IntegrationEvent({ name: 'user_joined_typed', topic: 'typed', codec: protobufCodec({ messageType: type }) })
    class Typed extends NotificationEvent<UserJoinedPayload> {}
    const serializer = await preparedSerializer(Typed);
    const message = serializer.toMessage(new Typed({ payload: { user_id: 'u', meeting_id: 'm' } }));
    expect({ ...((await serializer.fromBody(message.body, message.headers)).payload as object) }).toEqual({ user_id: 'u', meeting_id: 'm' });
  });

  it('fails at startup, naming the class, when the .proto has no such message type', async () => {
    @IntegrationEvent({ name: 'missing_type', topic: 'x', codec: protobufCodec({ protoSource: MEETINGS_PROTO, messageType: 'meetings.Nope' }) })
    class MissingType extends NotificationEvent<object> {}
    const error = await preparedSerializer(MissingType).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationException);
    expect((error as Error).message).toBe('The protobuf codec of MissingType names the message type "meetings.Nope", which its .proto does not define.');
  });

  it('refuses at startup a codec option that is no EventCodec', async () => {
    @IntegrationEvent({ name: 'not_a_codec', topic: 'x', codec: 'protobuf' as never })
    class NotACodec extends NotificationEvent<object> {}
    const error = await preparedSerializer(NotACodec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionException);
    expect((error as Error).message).toMatch(/^codec of @IntegrationEvent NotACodec must be an EventCodec, e\.g\. protobufCodec\(\{ … \}\), got .*protobuf/);
  });

  it('wants exactly one of protoFile and protoSource with a type name', () => {
    expect(() => protobufCodec({ messageType: 'meetings.UserJoinedPayload' })).toThrow(InvalidOptionException);
    expect(() => protobufCodec({ messageType: 'meetings.UserJoinedPayload', protoFile: 'a.proto', protoSource: MEETINGS_PROTO })).toThrow(InvalidOptionException);
  });
});

describe('a consumer picks the codec by content type', () => {
  const handled: string[] = [];
  @Injectable()
  @HandlesEvent(UserJoined)
  class JoinedHandler implements EventHandler<UserJoined> {
    async handle(event: UserJoined): Promise<void> {
      handled.push(event.payload.user_id);
    }
  }

  let app: INestApplicationContext;
  beforeAll(async () => {
    @Module({
      imports: [CqrsBrokerModule.forRoot({ integrationEvents: [RoomClosed] }), EventConsumerModule.forRoot({ name: 'codec-spec', retry: { maxAttempts: 1 } })],
      providers: [JoinedHandler],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('handles a protobuf message of a class it handles (prepared on bootstrap)', async () => {
    const message = app.get(EventSerializer).toMessage(new UserJoined({ payload: { user_id: 'u-9', meeting_id: 'm-9' } }));
    const outcome = await app.get(EventConsumerPipeline).consume({ topic: message.topic, body: message.body, headers: message.headers });
    expect(outcome.status).toBe('handled');
    expect(handled).toContain('u-9');
  });

  it('dead-letters a message of an unknown content type at once, as malformed, with the reason', async () => {
    const outcome = await app.get(EventConsumerPipeline).consume({ topic: 'user_notification_events', body: Buffer.from('x'), headers: { 'content-type': 'application/avro', 'event-id': EVENT_ID } });
    expect(outcome).toEqual({
      status: 'dead-letter',
      reason: 'Malformed event: content type "application/avro" has no codec in this app (it reads "application/json", "application/x-protobuf")',
      attempts: 1,
      malformed: true,
      eventId: EVENT_ID,
    });
  });
});
