import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import {
  DomainEvent,
  ECSTEvent,
  EventSerializer,
  IntegrationEvent,
  IntegrationEventRegistry,
  MalformedEventException,
  NotificationEvent,
  UnserializableEventException,
} from 'nestjs-cqrs-broker';

class UserJoinedPayload {
  @IsInt() @Min(1) changed_user_id!: number;
}

@IntegrationEvent({ name: 'user_joined', topic: 'user_notification_events', payload: UserJoinedPayload })
class UserJoined extends NotificationEvent<UserJoinedPayload> {}

class Room {
  @IsString() name!: string;
}
class RoomClosedPayload {
  @IsInt() room_id!: number;
  @ValidateNested() @Type(() => Room) room!: Room;
}

@IntegrationEvent({ name: 'room_closed', topic: 'rooms', payload: RoomClosedPayload })
class RoomClosed extends ECSTEvent<RoomClosedPayload> {}

/** No payload class: the payload is taken as it is. */
@IntegrationEvent({ name: 'anything_happened', topic: 'misc' })
class AnythingHappened extends NotificationEvent<unknown> {}

/** Exactly what python-cqrs puts on the wire for a NotificationEvent. */
const PYTHON_CQRS_JSON =
  '{"event_id":"82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2","event_timestamp":"2023-03-06T12:11:35.103792",' +
  '"event_name":"user_joined","topic":"user_notification_events","payload":{"changed_user_id":987}}';

const wire = (overrides: Record<string, unknown> = {}, omit: string[] = []) => {
  const body: Record<string, unknown> = { ...JSON.parse(PYTHON_CQRS_JSON), ...overrides };
  for (const field of omit) delete body[field];
  return JSON.stringify(body);
};

describe('EventSerializer', () => {
  let serializer: EventSerializer;

  beforeEach(() => {
    const registry = new IntegrationEventRegistry();
    registry.register(UserJoined);
    registry.register(RoomClosed);
    registry.register(AnythingHappened);
    serializer = new EventSerializer(registry);
  });

  describe('toMessage', () => {
    it('writes exactly the python-cqrs fields {event_id, event_timestamp, event_name, topic, payload}', () => {
      const event = new UserJoined({
        payload: { changed_user_id: 987 },
        eventId: '82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2',
        eventTimestamp: new Date('2023-03-06T12:11:35.103Z'),
      });
      const message = serializer.toMessage(event);
      expect(JSON.parse(message.body.toString('utf8'))).toStrictEqual({
        event_id: '82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2',
        event_timestamp: '2023-03-06T12:11:35.103Z',
        event_name: 'user_joined',
        topic: 'user_notification_events',
        payload: { changed_user_id: 987 },
      });
      expect(message.topic).toBe('user_notification_events');
      expect(message.eventId).toBe('82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2');
      expect(message.eventName).toBe('user_joined');
    });

    it('sets the event-id, event-name and content-type headers and keeps the producer\'s own headers and key', () => {
      const event = new UserJoined({
        payload: { changed_user_id: 1 },
        key: 'user-1',
        headers: { 'correlation-id': 'corr-1', 'x-tenant': 'acme' },
      });
      const message = serializer.toMessage(event);
      expect(message.headers).toStrictEqual({
        'correlation-id': 'corr-1',
        'x-tenant': 'acme',
        'event-id': event.eventId,
        'event-name': 'user_joined',
        'content-type': 'application/json',
      });
      expect(message.key).toBe('user-1');
    });

    it('lets the producer override neither event-id nor event-name through custom headers', () => {
      const event = new UserJoined({ payload: { changed_user_id: 1 }, headers: { 'event-id': 'forged', 'event-name': 'forged' } });
      const message = serializer.toMessage(event);
      expect(message.headers['event-id']).toBe(event.eventId);
      expect(message.headers['event-name']).toBe('user_joined');
    });

    it('rejects a BigInt payload with UnserializableEventException naming the event', () => {
      const event = new AnythingHappened({ payload: { amount: 10n } });
      expect(() => serializer.toMessage(event)).toThrow(UnserializableEventException);
      expect(() => serializer.toMessage(event)).toThrow(/"anything_happened".*BigInt/);
    });

    it('rejects a cyclic payload with UnserializableEventException', () => {
      const payload: Record<string, unknown> = { name: 'loop' };
      payload['self'] = payload;
      expect(() => serializer.toMessage(new AnythingHappened({ payload }))).toThrow(UnserializableEventException);
      expect(() => serializer.toMessage(new AnythingHappened({ payload }))).toThrow(/circular/i);
    });

    it('rejects an undefined payload, which JSON would silently drop', () => {
      expect(() => serializer.toMessage(new AnythingHappened({ payload: undefined }))).toThrow(/payload is undefined/);
    });

    it('rejects objects that are not NotificationEvent/ECSTEvent instances', () => {
      class Joined extends DomainEvent {}
      expect(() => serializer.toMessage(new Joined() as never)).toThrow(UnserializableEventException);
      expect(() => serializer.toMessage(new Joined() as never)).toThrow(/"Joined".*only NotificationEvent/);
      const lookalike = { eventId: 'x', eventName: 'user_joined', topic: 't', payload: {}, eventTimestamp: new Date() };
      expect(() => serializer.toMessage(lookalike as never)).toThrow(UnserializableEventException);
    });
  });

  describe('fromBody', () => {
    it('reads python-cqrs JSON into the registered @IntegrationEvent class, naive timestamp as UTC', async () => {
      const event = await serializer.fromBody(Buffer.from(PYTHON_CQRS_JSON));
      expect(event).toBeInstanceOf(UserJoined);
      expect(event.eventId).toBe('82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2');
      expect(event.eventName).toBe('user_joined');
      expect(event.topic).toBe('user_notification_events');
      expect(event.eventTimestamp).toBeInstanceOf(Date);
      // Microseconds are accepted (truncated to the millisecond a Date holds); no zone means UTC.
      expect(event.eventTimestamp.toISOString()).toBe('2023-03-06T12:11:35.103Z');
      expect(event.payload).toBeInstanceOf(UserJoinedPayload);
      expect(event.payload).toEqual({ changed_user_id: 987 });
    });

    it('honours an explicit zone in the timestamp', async () => {
      const event = await serializer.fromBody(wire({ event_timestamp: '2023-03-06T12:11:35.103792+02:00' }));
      expect(event.eventTimestamp.toISOString()).toBe('2023-03-06T10:11:35.103Z');
    });

    it('turns nested payload objects into their @Type classes', async () => {
      const event = await serializer.fromBody(
        JSON.stringify({ event_id: 'e1', event_name: 'room_closed', topic: 'rooms', payload: { room_id: 7, room: { name: 'blue' } } }),
      );
      expect(event).toBeInstanceOf(RoomClosed);
      expect(event).toBeInstanceOf(ECSTEvent);
      expect((event as RoomClosed).payload.room).toBeInstanceOf(Room);
    });

    it('keeps the message headers on the event', async () => {
      const event = await serializer.fromBody(PYTHON_CQRS_JSON, { 'correlation-id': 'corr-9' });
      expect(event.headers).toEqual({ 'correlation-id': 'corr-9' });
    });

    it('round-trips an event to the same class, fields and bytes', async () => {
      const original = new UserJoined({ payload: Object.assign(new UserJoinedPayload(), { changed_user_id: 42 }), headers: { 'correlation-id': 'c-1' } });
      const message = serializer.toMessage(original);
      const back = await serializer.fromBody(message.body, message.headers);
      expect(back).toBeInstanceOf(UserJoined);
      expect(back.eventId).toBe(original.eventId);
      expect(back.eventTimestamp.getTime()).toBe(original.eventTimestamp.getTime());
      expect(back.eventName).toBe(original.eventName);
      expect(back.topic).toBe(original.topic);
      expect(back.payload).toEqual(original.payload);
      expect(serializer.toWire(back)).toStrictEqual(serializer.toWire(original));
      const again = serializer.toMessage(back);
      expect(again.body.equals(message.body)).toBe(true);
      expect(again.headers).toStrictEqual(message.headers);
    });

    it.each([
      ['the body is not JSON', '{"event_id": ', /body is not JSON/],
      ['the body is a JSON array', '[{"event_id":"x"}]', /not a JSON object/],
      ['the body is a JSON number', '42', /not a JSON object/],
      ['the body is JSON null', 'null', /not a JSON object/],
      ['event_id is missing', wire({}, ['event_id']), /"event_id" is missing/],
      ['event_id is not a string', wire({ event_id: 5 }), /"event_id" is missing or not a string/],
      ['event_name is missing', wire({}, ['event_name']), /"event_name" is missing/],
      ['topic is missing', wire({}, ['topic']), /"topic" is missing/],
      ['payload is missing', wire({}, ['payload']), /"payload" is missing/],
      ['the event name is unknown', wire({ event_name: 'user_left' }), /unknown event name "user_left"/],
      ['the timestamp is not a date', wire({ event_timestamp: 'yesterday' }), /"event_timestamp" is not a date: "yesterday"/],
      ['the timestamp is not a string', wire({ event_timestamp: 1678104695 }), /"event_timestamp" is not a string/],
      ['the payload is not an object', wire({ payload: 'hi' }), /payload of "user_joined" is not an object/],
      ['the payload is an array', wire({ payload: [{ changed_user_id: 1 }] }), /payload of "user_joined" is not an object/],
      ['the payload fails validation', wire({ payload: { changed_user_id: 'abc' } }), /failed validation: .*changed_user_id must be an integer number/],
    ])('rejects a message when %s, with MalformedEventException and the reason', async (_case, body, reason) => {
      const error = await serializer.fromBody(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedEventException);
      expect((error as MalformedEventException).reason).toMatch(reason);
      expect((error as Error).message).toMatch(/^Malformed event: /);
    });

    it('lists every failing payload field, nested ones with dotted paths', async () => {
      const error = await serializer
        .fromBody(JSON.stringify({ event_id: 'e1', event_name: 'room_closed', topic: 'rooms', payload: { room_id: 'x', room: { name: 3 } } }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedEventException);
      expect((error as MalformedEventException).reason).toBe(
        'payload of "room_closed" failed validation: room_id must be an integer number; room.name must be a string',
      );
    });
  });

  describe('NotificationEvent', () => {
    it('throws a TypeError naming the class when it has neither a name/topic nor @IntegrationEvent', () => {
      class UndeclaredEvent extends NotificationEvent {}
      expect(() => new UndeclaredEvent({ payload: {} })).toThrow(TypeError);
      expect(() => new UndeclaredEvent({ payload: {} })).toThrow(/UndeclaredEvent needs an event name and a topic/);
      expect(() => new UndeclaredEvent({ payload: {}, eventName: 'n' })).toThrow(/UndeclaredEvent/);
      expect(new UndeclaredEvent({ payload: {}, eventName: 'n', topic: 't' }).topic).toBe('t');
    });
  });

  describe('IntegrationEventRegistry', () => {
    it('refuses two classes with the same event name on the same topic, naming both (one name on two topics: test/core/unknown-events.spec.ts)', () => {
      @IntegrationEvent({ name: 'user_joined', topic: 'user_notification_events' })
      class OtherUserJoined extends NotificationEvent {}
      const registry = new IntegrationEventRegistry();
      registry.register(UserJoined);
      registry.register(UserJoined); // the same class twice is harmless
      expect(() => registry.register(OtherUserJoined)).toThrow(/"user_joined" on topic "user_notification_events".*UserJoined and OtherUserJoined/);
      expect(registry.get('user_joined')?.type).toBe(UserJoined);
    });

    it('refuses a class without @IntegrationEvent', () => {
      class Plain extends NotificationEvent {}
      expect(() => new IntegrationEventRegistry().register(Plain)).toThrow(/Plain is not decorated with @IntegrationEvent/);
    });
  });
});
