import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IsOptional, IsString } from 'class-validator';
import {
  canonicalUuid,
  ECSTEvent,
  EventSerializer,
  IntegrationEvent,
  IntegrationEventRegistry,
  InvalidOptionException,
  MalformedEventException,
  NotificationEvent,
  UnserializableEventException,
  wireInfoOf,
  type CqrsBrokerModuleOptions,
  type WireInfo,
} from 'nestjs-cqrs-broker';

// The two events of the sample apps, declared as the consuming service does.
class UserJoinedMeetingPayload {
  @IsString() meetingId!: string;
  @IsString() userId!: string;
}
@IntegrationEvent({ name: 'user_joined_meeting', topic: 'meeting_notifications', payload: UserJoinedMeetingPayload })
class UserJoinedMeeting extends NotificationEvent<UserJoinedMeetingPayload> {}

class MeetingRoomClosedPayload {
  @IsString() meetingRoomId!: string;
  @IsOptional() @IsString() closedAt?: string;
}
@IntegrationEvent({ name: 'meeting_room_closed', topic: 'meeting_room_notifications', payload: MeetingRoomClosedPayload })
class MeetingRoomClosed extends ECSTEvent<MeetingRoomClosedPayload> {}

const FIXTURES = join(__dirname, '..', 'fixtures', 'python-cqrs');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, `${name}.json`));

const serializerWith = (options: Pick<CqrsBrokerModuleOptions, 'wireFormat' | 'naiveTimestampZone'> = {}) => {
  const registry = new IntegrationEventRegistry();
  registry.register(UserJoinedMeeting);
  registry.register(MeetingRoomClosed);
  return new EventSerializer(registry, options);
};

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What every python-cqrs consumer parses (pydantic, dataclass-wizard 0.x and 1.0), with a zone. */
const ZONED_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/;

interface Expected {
  format: WireInfo['format'];
  keys: WireInfo['keys'];
  sentId: 'dashed' | 'undashed';
  envelope?: WireInfo['envelope'];
  /** The payload's python-side snake_case field, as this generation writes it. */
  closedByKey: 'closed_by_user_id' | 'closedByUserId';
}

const GENERATIONS: Array<[string, Expected]> = [
  ['python-cqrs-0.0.13.envelope', { format: 'python-cqrs-0.0', keys: 'snake_case', sentId: 'dashed', closedByKey: 'closed_by_user_id' }],
  ['python-cqrs-1.0.0.pydantic', { format: 'python-cqrs', keys: 'snake_case', sentId: 'dashed', closedByKey: 'closed_by_user_id' }],
  ['python-cqrs-4.10.3.pydantic', { format: 'python-cqrs', keys: 'snake_case', sentId: 'dashed', closedByKey: 'closed_by_user_id' }],
  ['python-cqrs-4.10.3.dataclass-wizard-0.39.1', { format: 'python-cqrs', keys: 'camelCase', sentId: 'undashed', closedByKey: 'closedByUserId' }],
  ['python-cqrs-4.10.3.dataclass-wizard-1.0.0', { format: 'python-cqrs', keys: 'snake_case', sentId: 'undashed', closedByKey: 'closed_by_user_id' }],
];

const NOTIFICATION_ID = '82a0b10e-1b3d-4c3c-9bdd-3934f8f824c2';
const ECST_ID = '5f0b7c3e-9a41-4d2b-8e6f-1c2d3e4f5a6b';
const sent = (id: string, form: Expected['sentId']) => (form === 'dashed' ? id : id.replaceAll('-', ''));

describe('python-cqrs on the wire', () => {
  describe('every golden fixture decodes into the registered event', () => {
    it.each(GENERATIONS)('%s notification event: fields, sent id and microseconds kept', async (name, expected) => {
      const event = await serializerWith().fromBody(fixture(`${name}.notification`));
      expect(event).toBeInstanceOf(UserJoinedMeeting);
      expect(event.eventId).toBe(NOTIFICATION_ID);
      expect(event.eventName).toBe('user_joined_meeting');
      // The 0.0.x envelope carries no topic: the registered contract's topic stands in.
      expect(event.topic).toBe('meeting_notifications');
      expect(event.eventTimestamp.toISOString()).toBe('2026-11-29T21:50:08.854Z');
      expect(event.payload).toBeInstanceOf(UserJoinedMeetingPayload);
      expect(event.payload).toEqual({ meetingId: 'm-42', userId: 'u-1' });

      const info = wireInfoOf(event)!;
      expect(info.format).toBe(expected.format);
      expect(info.keys).toBe(expected.keys);
      expect(info.eventId).toBe(sent(NOTIFICATION_ID, expected.sentId));
      expect(info.eventTimestamp).toEqual({
        text: '2026-11-29T21:50:08.854936',
        date: new Date('2026-11-29T21:50:08.854Z'),
        microsecond: 854936,
        naive: true,
      });
      if (expected.format === 'python-cqrs-0.0') {
        expect(info.envelope).toEqual({ messageType: 'notification_event', messageName: 'NotificationEvent', messageId: NOTIFICATION_ID });
      } else {
        expect(info.envelope).toBeUndefined();
      }
    });

    it.each(GENERATIONS)('%s ECST event: fields, nested timestamp text and the payload keys as that generation writes them', async (name, expected) => {
      const event = await serializerWith().fromBody(fixture(`${name}.ecst`));
      expect(event).toBeInstanceOf(MeetingRoomClosed);
      expect(event).toBeInstanceOf(ECSTEvent);
      expect(event.eventId).toBe(ECST_ID);
      expect(event.eventName).toBe('meeting_room_closed');
      expect(event.topic).toBe('meeting_room_notifications');
      expect(event.eventTimestamp.toISOString()).toBe('2026-11-29T21:50:09.120Z');
      expect(event.payload).toBeInstanceOf(MeetingRoomClosedPayload);
      expect(event.payload).toEqual({ meetingRoomId: 'r-7', closedAt: '2026-11-29T21:49:59.500000', [expected.closedByKey]: 'u-1' });

      const info = wireInfoOf(event)!;
      expect(info.format).toBe(expected.format);
      expect(info.keys).toBe(expected.keys);
      expect(info.eventId).toBe(sent(ECST_ID, expected.sentId));
      expect(info.eventTimestamp?.text).toBe('2026-11-29T21:50:09.120004');
      expect(info.eventTimestamp?.microsecond).toBe(120004);
      if (expected.format === 'python-cqrs-0.0') {
        expect(info.envelope).toEqual({ messageType: 'ecst_event', messageName: 'ECSTEvent[ClosedRoom]', messageId: ECST_ID });
      }
    });

    it('the fixtures are the bytes python-cqrs wrote: compact JSON, no trailing newline, naive timestamps with six fraction digits', () => {
      for (const [name] of GENERATIONS) {
        for (const kind of ['notification', 'ecst']) {
          const text = fixture(`${name}.${kind}`).toString('utf8');
          expect(text).toBe(JSON.stringify(JSON.parse(text)));
          expect(text).toMatch(/"(event_timestamp|eventTimestamp)":"2026-11-29T21:50:0\d\.\d{6}"/);
        }
      }
    });
  });

  describe('naive timestamps are read in the configured zone', () => {
    const body = fixture('python-cqrs-4.10.3.pydantic.notification');

    it('reads them as UTC by default', async () => {
      expect((await serializerWith().fromBody(body)).eventTimestamp.toISOString()).toBe('2026-11-29T21:50:08.854Z');
    });

    it.each([['Asia/Tokyo'], ['+09:00'], ['+0900']])('reads them in %s when configured', async (zone) => {
      const event = await serializerWith({ naiveTimestampZone: zone }).fromBody(body);
      expect(event.eventTimestamp.toISOString()).toBe('2026-11-29T12:50:08.854Z');
      expect(wireInfoOf(event)?.eventTimestamp?.microsecond).toBe(854936);
    });

    it('honours daylight saving time in an IANA zone', async () => {
      const summer = JSON.parse(body.toString('utf8'));
      summer.event_timestamp = '2026-07-01T12:00:00.000001';
      const event = await serializerWith({ naiveTimestampZone: 'Europe/Berlin' }).fromBody(JSON.stringify(summer));
      expect(event.eventTimestamp.toISOString()).toBe('2026-07-01T10:00:00.000Z');
      expect(wireInfoOf(event)?.eventTimestamp?.microsecond).toBe(1);
    });

    it("reads them in this process's zone with 'local'", async () => {
      const event = await serializerWith({ naiveTimestampZone: 'local' }).fromBody(body);
      expect(event.eventTimestamp.getTime()).toBe(new Date(2026, 10, 29, 21, 50, 8, 854).getTime());
    });

    it('ignores the setting for a timestamp that carries its own zone', async () => {
      const zoned = JSON.parse(body.toString('utf8'));
      zoned.event_timestamp = '2026-11-29T21:50:08.854936+01:00';
      const event = await serializerWith({ naiveTimestampZone: 'Asia/Tokyo' }).fromBody(JSON.stringify(zoned));
      expect(event.eventTimestamp.toISOString()).toBe('2026-11-29T20:50:08.854Z');
      expect(wireInfoOf(event)?.eventTimestamp?.naive).toBe(false);
    });

    it('refuses a zone the runtime does not know, at startup', () => {
      expect(() => serializerWith({ naiveTimestampZone: 'Mars/Olympus_Mons' })).toThrow(InvalidOptionException);
      expect(() => serializerWith({ naiveTimestampZone: 'Mars/Olympus_Mons' })).toThrow(/naiveTimestampZone must be .*IANA zone name, got Mars\/Olympus_Mons/);
    });
  });

  describe("the 'python-cqrs' writer (the default)", () => {
    const written = (event: NotificationEvent<unknown>, serializer = serializerWith()) =>
      JSON.parse(serializer.toMessage(event).body.toString('utf8')) as Record<string, unknown>;

    it('writes exactly event_id, event_timestamp, event_name, topic, payload: a dashed UUID and a UTC timestamp with a zone', () => {
      const body = written(new UserJoinedMeeting({ payload: { meetingId: 'm-1', userId: 'u-1' } }));
      expect(Object.keys(body)).toEqual(['event_id', 'event_timestamp', 'event_name', 'topic', 'payload']);
      expect(body['event_id']).toMatch(DASHED_UUID);
      expect(body['event_timestamp']).toMatch(ZONED_TIMESTAMP);
      expect(body['event_name']).toBe('user_joined_meeting');
      expect(body['topic']).toBe('meeting_notifications');
      expect(body['payload']).toEqual({ meetingId: 'm-1', userId: 'u-1' });
    });

    it('writes an event built here byte for byte as before (milliseconds, Z)', () => {
      const event = new UserJoinedMeeting({
        payload: { meetingId: 'm-1', userId: 'u-1' },
        eventId: NOTIFICATION_ID,
        eventTimestamp: new Date('2023-03-06T12:11:35.103Z'),
      });
      expect(serializerWith().toMessage(event).body.toString('utf8')).toBe(
        `{"event_id":"${NOTIFICATION_ID}","event_timestamp":"2023-03-06T12:11:35.103Z","event_name":"user_joined_meeting",` +
          '"topic":"meeting_notifications","payload":{"meetingId":"m-1","userId":"u-1"}}',
      );
    });

    it.each(GENERATIONS)('forwards an event read from %s with its microseconds, a dashed id and a zone', async (name) => {
      const serializer = serializerWith();
      const body = written(await serializer.fromBody(fixture(`${name}.notification`)), serializer);
      expect(body).toEqual({
        event_id: NOTIFICATION_ID,
        event_timestamp: '2026-11-29T21:50:08.854936Z',
        event_name: 'user_joined_meeting',
        topic: 'meeting_notifications',
        payload: { meetingId: 'm-42', userId: 'u-1' },
      });
    });

    it('writes a UUID given in another form (undashed, upper case) in the canonical dashed form', () => {
      const body = written(new UserJoinedMeeting({ payload: { meetingId: 'm', userId: 'u' }, eventId: NOTIFICATION_ID.replaceAll('-', '').toUpperCase() }));
      expect(body['event_id']).toBe(NOTIFICATION_ID);
    });
  });

  describe("the 'python-cqrs-0.0' writer (envelope, for python-cqrs 0.0.x peers)", () => {
    const serializer = serializerWith({ wireFormat: 'python-cqrs-0.0' });
    const written = (event: NotificationEvent<unknown>) => JSON.parse(serializer.toMessage(event).body.toString('utf8')) as Record<string, any>;

    it('wraps the event as python-cqrs 0.0.x does: message_type, message_name, message_id, payload without topic', () => {
      const body = written(new UserJoinedMeeting({ payload: { meetingId: 'm-1', userId: 'u-1' }, eventTimestamp: new Date('2026-11-29T21:50:08.854Z') }));
      expect(Object.keys(body)).toEqual(['message_type', 'message_name', 'message_id', 'payload']);
      expect(body['message_type']).toBe('notification_event');
      expect(body['message_name']).toBe('user_joined_meeting');
      expect(body['message_id']).toMatch(DASHED_UUID);
      expect(Object.keys(body['payload'])).toEqual(['event_id', 'event_timestamp', 'event_name', 'payload']);
      expect(body['payload'].event_id).toBe(body['message_id']);
      expect(body['payload'].event_timestamp).toBe('2026-11-29T21:50:08.854Z');
      expect(body['payload'].event_timestamp).toMatch(ZONED_TIMESTAMP);
      expect(body['payload'].event_name).toBe('user_joined_meeting');
      expect(body['payload'].payload).toEqual({ meetingId: 'm-1', userId: 'u-1' });
    });

    it('marks an ECSTEvent as "ecst_event"', () => {
      expect(written(new MeetingRoomClosed({ payload: { meetingRoomId: 'r-1' } }))['message_type']).toBe('ecst_event');
    });

    it('reads its own envelope back into the same event', async () => {
      const original = new MeetingRoomClosed({ payload: { meetingRoomId: 'r-1', closedAt: 'now' } });
      const back = await serializer.fromBody(serializer.toMessage(original).body);
      expect(back).toBeInstanceOf(MeetingRoomClosed);
      expect([back.eventId, back.eventName, back.topic, back.eventTimestamp.getTime()]).toEqual([
        original.eventId, original.eventName, original.topic, original.eventTimestamp.getTime(),
      ]);
      expect(wireInfoOf(back)?.format).toBe('python-cqrs-0.0');
    });

    it('is chosen per topic when configured so', () => {
      const perTopic = serializerWith({ wireFormat: { topics: { meeting_room_notifications: 'python-cqrs-0.0' } } });
      const ecst = JSON.parse(perTopic.toMessage(new MeetingRoomClosed({ payload: { meetingRoomId: 'r' } })).body.toString('utf8'));
      const notification = JSON.parse(perTopic.toMessage(new UserJoinedMeeting({ payload: { meetingId: 'm', userId: 'u' } })).body.toString('utf8'));
      expect(ecst).toHaveProperty('message_type', 'ecst_event');
      expect(notification).toHaveProperty('event_id');
      expect(notification).not.toHaveProperty('message_type');
    });

    it('refuses an unknown format at startup', () => {
      expect(() => serializerWith({ wireFormat: 'json' as never })).toThrow(InvalidOptionException);
      expect(() => serializerWith({ wireFormat: { topics: { t: 'python-cqrs-0.1' as never } } })).toThrow(/wireFormat\.topics\.t must be one of 'python-cqrs', 'python-cqrs-0.0'/);
    });
  });

  describe('event ids', () => {
    it.each([['python-cqrs'], ['python-cqrs-0.0']] as const)('are refused in %s format when they are not UUIDs, with an error naming the event and the id', (format) => {
      const event = new UserJoinedMeeting({ payload: { meetingId: 'm', userId: 'u' }, eventId: 'order-42' });
      const serializer = serializerWith({ wireFormat: format });
      expect(() => serializer.toMessage(event)).toThrow(UnserializableEventException);
      expect(() => serializer.toMessage(event)).toThrow(/"user_joined_meeting".*event id "order-42" is not a UUID; python-cqrs reads event_id as a uuid\.UUID/);
    });

    it('are read in every form python accepts and kept as sent in the wire info; other text is read as it is', async () => {
      expect(canonicalUuid('82A0B10E1B3D4C3C9BDD3934F8F824C2')).toBe(NOTIFICATION_ID);
      expect(canonicalUuid(`{${NOTIFICATION_ID}}`)).toBe(NOTIFICATION_ID);
      expect(canonicalUuid(`urn:uuid:${NOTIFICATION_ID}`)).toBe(NOTIFICATION_ID);
      expect(canonicalUuid('e1')).toBeUndefined();
      const body = JSON.parse(fixture('python-cqrs-4.10.3.pydantic.notification').toString('utf8'));
      const event = await serializerWith().fromBody(JSON.stringify({ ...body, event_id: 'legacy-7' }));
      expect([event.eventId, wireInfoOf(event)?.eventId]).toEqual(['legacy-7', 'legacy-7']);
    });
  });

  describe('malformed bodies name the field as that generation spells it', () => {
    it.each([
      ['a camelCase body without eventName', 'python-cqrs-4.10.3.dataclass-wizard-0.39.1.notification', (b: any) => delete b.eventName, /field "eventName" is missing or not a string/],
      ['a camelCase body with a bad eventTimestamp', 'python-cqrs-4.10.3.dataclass-wizard-0.39.1.notification', (b: any) => (b.eventTimestamp = 'soon'), /field "eventTimestamp" is not a date: "soon"/],
      ['an envelope without the inner event_name', 'python-cqrs-0.0.13.envelope.notification', (b: any) => delete b.payload.event_name, /field "payload.event_name" is missing or not a string/],
      ['an envelope with a bad inner timestamp', 'python-cqrs-0.0.13.envelope.notification', (b: any) => (b.payload.event_timestamp = 5), /field "payload.event_timestamp" is not a string/],
    ])('%s', async (_case, name, change, reason) => {
      const body = JSON.parse(fixture(name).toString('utf8'));
      change(body);
      const error = await serializerWith().fromBody(JSON.stringify(body)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedEventException);
      expect((error as MalformedEventException).reason).toMatch(reason);
    });
  });
});
