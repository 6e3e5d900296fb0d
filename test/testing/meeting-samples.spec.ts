// The example of docs/testing.md, run: the sample's own handlers under the faults the
// library's fault suite injects, with nestjs-cqrs-broker/testing. meeting-rooms' command
// handlers write to the outbox; the meeting-notifications handlers (apps/shared) store
// each notification once through the inbox. One app hosts both on SQLite and the
// in-memory broker, as the meeting-rooms sample does on memory://.
import type { INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, getRepositoryToken } from '@nestjs/typeorm';
import { CqrsBrokerModule, EVENT_CONSUMER_OPTIONS, InMemoryEventConsumer, MESSAGE_BROKER, RequestMediator, type Request } from 'nestjs-cqrs-broker';
import { OutboxModule, createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import {
  crashRelayAfterPublish,
  deliver,
  drainOutbox,
  expectPublished,
  failDatabase,
  failPublishes,
  recordConsumed,
  RecordingMessageBroker,
  type ConsumeRecording,
} from 'nestjs-cqrs-broker/testing';
import { DataSource, type Repository } from 'typeorm';
import { CloseMeetingRoomCommand } from '../../apps/meeting-rooms/src/meetings/commands/close-meeting-room.command.js';
import { JoinMeetingCommand } from '../../apps/meeting-rooms/src/meetings/commands/join-meeting.command.js';
import { MeetingRoomClosed as RoomClosedSent } from '../../apps/meeting-rooms/src/meetings/events/meeting-room-closed.event.js';
import { UserJoinedMeeting as UserJoinedSent } from '../../apps/meeting-rooms/src/meetings/events/user-joined-meeting.event.js';
import { MEETING_ENTITIES, MeetingsModule } from '../../apps/meeting-rooms/src/meetings/meetings.module.js';
import { databaseOptions } from '../../apps/shared/src/database-options.js';
import { UserJoinedMeeting } from '../../apps/shared/src/notifications/events/user-joined-meeting.event.js';
import {
  MEETING_NOTIFICATIONS_CONSUMER,
  MEETING_NOTIFICATIONS_ENTITIES,
  MeetingNotificationsModule,
} from '../../apps/shared/src/notifications/meeting-notifications.module.js';
import { Notification } from '../../apps/shared/src/notifications/notification.entity.js';

describe('the meeting samples under faults (nestjs-cqrs-broker/testing, SQLite, in-memory broker)', () => {
  let app: INestApplication;
  let notifications: Repository<Notification>;
  let consumed: ConsumeRecording;
  const broker = new RecordingMessageBroker();
  const send = <T>(command: Request<T>) => app.get(RequestMediator).send(command);
  const notificationsOf = (eventId: string) => notifications.countBy({ eventId });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
        TypeOrmModule.forRoot({
          ...databaseOptions('sqlite::memory:'),
          entities: [...MEETING_ENTITIES, ...MEETING_NOTIFICATIONS_ENTITIES, createOutboxEntity({ databaseType: 'better-sqlite3' })],
          synchronize: true,
        }),
        CqrsBrokerModule.forRoot({ broker }),
        // The relay loop is off: each test publishes with drainOutbox() when it wants. Short relay backoffs keep retries quick.
        OutboxModule.forRoot({ relay: { enabled: false, retry: { initialDelayMs: 10, maxDelayMs: 50 } } }),
        MeetingsModule,
        MeetingNotificationsModule,
      ],
    })
      // A tight handler-retry budget: 2 attempts 50 ms apart. Outages must not spend it.
      .overrideProvider(EVENT_CONSUMER_OPTIONS)
      .useValue({ name: MEETING_NOTIFICATIONS_CONSUMER, retry: { maxAttempts: 2, initialDelayMs: 50 } })
      .compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    // The notifications consume what the outbox publishes, through the same route as with Kafka or RabbitMQ.
    app.connectMicroservice({ strategy: new InMemoryEventConsumer() }, { inheritAppConfig: true });
    await app.init();
    await app.startAllMicroservices();
    notifications = app.get(getRepositoryToken(Notification));
  });

  beforeEach(() => {
    consumed = recordConsumed(app);
    broker.clear();
  });

  afterEach(() => consumed.stop());

  afterAll(async () => {
    await app?.close();
  });

  it('publishes the command\'s event once, and the consumer stores one notification', async () => {
    await send(new JoinMeetingCommand('standup', 'ada'));
    const published = await drainOutbox(app);
    const [joined] = expectPublished(published, { event: UserJoinedSent, key: 'standup', payload: { meetingId: 'standup', userId: 'ada' }, times: 1 });
    expect(consumed.deliveriesOf(joined.eventId).map((d) => d.outcome.status)).toEqual(['handled']);
    expect(await notificationsOf(joined.eventId)).toBe(1);
  });

  it('an event delivered twice, one after the other or at once, leaves one notification', async () => {
    const sequential = new UserJoinedMeeting({ payload: { meetingId: 'retro', userId: 'grace' }, key: 'retro' });
    const racing = new UserJoinedMeeting({ payload: { meetingId: 'retro', userId: 'linus' }, key: 'retro' });

    const outcomes = [...(await deliver(app, sequential, { times: 2 })), ...(await deliver(app, racing, { times: 2, concurrently: true }))];

    expect(outcomes.map((o) => o.status)).toEqual(['handled', 'handled', 'handled', 'handled']);
    expect(await notificationsOf(sequential.eventId)).toBe(1);
    expect(await notificationsOf(racing.eventId)).toBe(1);
  });

  it('a relay that dies between publish and mark makes the consumer see the batch twice; the inbox stores it once', async () => {
    await send(new JoinMeetingCommand('planning', 'alan'));
    await send(new CloseMeetingRoomCommand('room-7'));

    const beforeCrash = await crashRelayAfterPublish(app);
    const afterLease = await drainOutbox(app); // a new relay, once the dead one's lease ran out

    const ids = beforeCrash.map((m) => m.eventId);
    expect(ids).toHaveLength(2);
    expect(afterLease.map((m) => m.eventId)).toEqual(ids);
    expectPublished(beforeCrash, { event: RoomClosedSent, key: 'room-7', payload: { meetingRoomId: 'room-7' } });
    for (const id of ids) {
      expect(consumed.deliveriesOf(id).map((d) => d.outcome.status)).toEqual(['handled', 'handled']);
      expect(await notificationsOf(id)).toBe(1);
    }
  });

  it('the broker refuses 3 publishes: the relay retries and the event still arrives once', async () => {
    const fault = failPublishes(app.get(MESSAGE_BROKER), { times: 3 });
    await send(new JoinMeetingCommand('design', 'barbara'));

    const published = await drainOutbox(app);

    expect(fault.rejected).toBe(3);
    const [joined] = expectPublished(published, { event: UserJoinedSent, key: 'design', times: 1 });
    expect(consumed.deliveriesOf(joined.eventId)).toHaveLength(1);
    expect(await notificationsOf(joined.eventId)).toBe(1);
  });

  // Needs the outage-aware consumer (issue 11, item 1): a transient failure must not spend
  // the 2 attempts configured above. Without it the event is dead-lettered after 50 ms.
  it('the database fails for 500 ms during consumption: the event is handled once, not dead-lettered', async () => {
    const event = new UserJoinedMeeting({ payload: { meetingId: 'review', userId: 'edsger' }, key: 'review' });

    const outage = failDatabase(app.get(DataSource), { forMs: 500 });
    const [outcome] = await deliver(app, event);

    expect(outage.failures).toBeGreaterThan(0);
    expect(outcome.status).toBe('handled');
    expect(await notificationsOf(event.eventId)).toBe(1);
  });
});
