// One set of dead-letter replay guarantees, run against each real broker by its spec file.
import type { INestMicroservice } from '@nestjs/common';
import { DeadLetterReplayException, type DeadLetterStore, type NotificationEvent } from 'nestjs-cqrs-broker';
import { Inbox, InboxModule, type InboxOutcome } from 'nestjs-cqrs-broker/inbox';
import { createInboxDatabase, type InboxDatabase } from './inbox-db.js';
import { eventually, unique } from './services.js';
import { Probe, probeEvent, startConsumer, type ProbeEvent } from './test-events.js';

/** One consumer's topic or queue on a real broker, with its dead-letter store. */
export interface ReplaySource {
  readonly topic: string;
  /** Starts the consumer of this source (the Nest strategy). */
  strategy(): unknown;
  publish(...events: NotificationEvent<unknown>[]): Promise<void>;
  /** A new store for this source's dead letters (as a separate run would create). */
  store(): DeadLetterStore;
  /** A store for a dead-letter topic or queue that does not exist. */
  missingStore(): DeadLetterStore;
}

export interface ReplayBroker {
  readonly name: string;
  ready(): Promise<void>;
  source(): Promise<ReplaySource>;
  cleanup(): Promise<void>;
}

const fastRetry = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 };

export function describeDeadLetterReplay(broker: ReplayBroker): void {
  describe(`dead-letter replay on ${broker.name}`, () => {
    let db: InboxDatabase;
    const apps: INestMicroservice[] = [];
    const stores: DeadLetterStore[] = [];
    const storeOf = (source: ReplaySource) => {
      const store = source.store();
      stores.push(store);
      return store;
    };

    /** A consumer with the inbox whose handler throws `failures.get(eventId)` while it is set, and records what the inbox said. */
    const consumer = async (source: ReplaySource) => {
      const probe = new Probe();
      const failures = new Map<string, string>();
      const outcomes = new Map<string, InboxOutcome<unknown>['status'][]>();
      const app = await startConsumer(source.strategy() as never, probe, {
        name: unique('replay-spec'),
        retry: fastRetry,
        imports: [InboxModule.forRoot({ dataSource: db.dataSource, tableName: db.inboxTable })],
      });
      apps.push(app);
      const inbox = app.get(Inbox);
      probe.work = async (event: ProbeEvent) => {
        const failure = failures.get(event.eventId);
        if (failure) throw new Error(failure);
        const outcome = await inbox.transaction(event, (manager) => manager.insert(db.effects, { eventId: event.eventId }));
        outcomes.set(event.eventId, [...(outcomes.get(event.eventId) ?? []), outcome.status]);
      };
      return { probe, failures, outcomes };
    };
    const deadLetters = async (store: DeadLetterStore, count: number) => {
      let listed = await store.list();
      await eventually(async () => (listed = await store.list()).length >= count, `${count} dead letter(s) were listed (got ${listed.length})`);
      return listed;
    };

    beforeAll(async () => {
      await broker.ready();
      db = await createInboxDatabase();
    });
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      for (const store of stores.splice(0)) await store.close();
    });
    afterAll(async () => {
      await db?.drop();
      await broker.cleanup();
    });

    it('lists dead letters in order with their event id, name, key, reason, attempts and consumer; listing twice shows the same ones (it removes nothing)', async () => {
      const source = await broker.source();
      const { failures } = await consumer(source);
      const events = [0, 1].map((seq) => probeEvent(source.topic, { key: 'room-a', seq }));
      for (const event of events) failures.set(event.eventId, `booking service said no (${event.payload.seq})`);
      await source.publish(...events);

      const store = storeOf(source);
      const listed = await deadLetters(store, 2);
      expect(listed.map((deadLetter) => deadLetter.eventId)).toEqual(events.map((event) => event.eventId));
      expect(listed[0]).toMatchObject({
        eventName: 'broker_test_probe',
        key: 'room-a',
        originalTopic: source.topic,
        reason: 'Handler failed: booking service said no (0)',
        attempts: 3,
      });
      expect(listed[0].consumer).toBeTruthy();
      expect(JSON.parse(listed[0].body.toString()).event_id).toBe(events[0].eventId);
      expect((await storeOf(source).list()).map((deadLetter) => deadLetter.eventId)).toEqual(events.map((event) => event.eventId));
    });

    it('requeues by reason, then by event id: every requeued event is handled once through the inbox, an event handled before is recognised as a duplicate, and a second run requeues nothing', async () => {
      const source = await broker.source();
      const { failures, outcomes, probe } = await consumer(source);
      const [outage1, badInput, outage2, handledBefore] = [0, 1, 2, 3].map((seq) => probeEvent(source.topic, { key: 'room', seq }));
      // handledBefore is handled, then a redelivery of it dies in the outage (as after a crash before the commit).
      await source.publish(handledBefore);
      await eventually(() => outcomes.get(handledBefore.eventId)?.[0] === 'processed', 'the first delivery was handled');
      failures.set(outage1.eventId, 'booking service unavailable');
      failures.set(outage2.eventId, 'booking service unavailable');
      failures.set(handledBefore.eventId, 'booking service unavailable');
      failures.set(badInput.eventId, 'room does not exist');
      await source.publish(outage1, badInput, outage2, handledBefore);
      await deadLetters(storeOf(source), 4);

      failures.clear(); // the outage is over
      const byReason = await storeOf(source).requeue({ reason: 'service unavailable' });
      expect(byReason).toEqual({ requeued: 3, eventIds: [outage1.eventId, outage2.eventId, handledBefore.eventId], left: 1 });
      await eventually(() => outcomes.get(handledBefore.eventId)?.length === 2 && outcomes.has(outage2.eventId), 'the requeued events were handled');
      expect(outcomes.get(outage1.eventId)).toEqual(['processed']);
      expect(outcomes.get(outage2.eventId)).toEqual(['processed']);
      expect(outcomes.get(handledBefore.eventId)).toEqual(['processed', 'duplicate']);
      for (const event of [outage1, outage2, handledBefore]) expect(await db.effectsOf(event.eventId)).toBe(1);
      expect(outcomes.has(badInput.eventId)).toBe(false);

      // A later run (a new store) does not requeue them again.
      expect(await storeOf(source).requeue({ reason: 'service unavailable' })).toEqual({ requeued: 0, eventIds: [], left: 1 });
      expect((await storeOf(source).list()).map((deadLetter) => deadLetter.eventId)).toEqual([badInput.eventId]);

      const byId = await storeOf(source).requeue({ eventIds: [badInput.eventId] });
      expect(byId).toEqual({ requeued: 1, eventIds: [badInput.eventId], left: 0 });
      await eventually(() => outcomes.has(badInput.eventId), 'the event requeued by id was handled');
      expect(await db.effectsOf(badInput.eventId)).toBe(1);
      expect(await storeOf(source).list()).toEqual([]);
      expect(probe.handled.filter((handled) => handled.eventId === outage1.eventId)).toHaveLength(1);
    });

    it('a requeued message keeps its event id, key and body; when it fails again it is dead-lettered again with a fresh attempt count, its earlier reason in x-replayed-reason and x-replayed-count 1', async () => {
      const source = await broker.source();
      const { failures } = await consumer(source);
      const event = probeEvent(source.topic, { key: 'room-7', seq: 7 });
      failures.set(event.eventId, 'first failure');
      await source.publish(event);
      const [first] = await deadLetters(storeOf(source), 1);

      failures.set(event.eventId, 'second failure');
      expect((await storeOf(source).requeue()).requeued).toBe(1);
      await eventually(async () => (await storeOf(source).list()).some((deadLetter) => deadLetter.reason === 'Handler failed: second failure'), 'it was dead-lettered again');
      const [second] = (await storeOf(source).list()).filter((deadLetter) => deadLetter.reason === 'Handler failed: second failure');
      expect(second.eventId).toBe(event.eventId);
      expect(second.key).toBe('room-7');
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.attempts).toBe(3);
      expect(second.originalTopic).toBe(source.topic);
      expect(second.headers['x-replayed-count']).toBe('1');
      expect(second.headers['x-replayed-reason']).toBe('Handler failed: first failure');
      expect(second.headers['x-replayed-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('a regular-expression reason and a limit requeue only the first matches; the others stay listed in their order', async () => {
      const source = await broker.source();
      const { failures, outcomes } = await consumer(source);
      const events = [0, 1, 2, 3, 4].map((seq) => probeEvent(source.topic, { key: 'room', seq }));
      events.forEach((event, seq) => failures.set(event.eventId, seq % 2 ? `quota exceeded ${seq}` : `calendar full ${seq}`));
      await source.publish(...events);
      await deadLetters(storeOf(source), 5);
      failures.clear();

      const result = await storeOf(source).requeue({ reason: /^Handler failed: calendar full [0-9]$/, limit: 2 });
      expect(result).toEqual({ requeued: 2, eventIds: [events[0].eventId, events[2].eventId], left: 3 });
      await eventually(() => outcomes.has(events[2].eventId), 'the requeued events were handled');
      expect((await storeOf(source).list()).map((deadLetter) => deadLetter.eventId)).toEqual([events[1], events[3], events[4]].map((event) => event.eventId));
      expect((await storeOf(source).list({ reason: 'quota exceeded' })).map((deadLetter) => deadLetter.eventId)).toEqual([events[1], events[3]].map((event) => event.eventId));
    });

    it('reports a dead-letter topic or queue that does not exist with DeadLetterReplayException naming it', async () => {
      const source = await broker.source();
      const store = source.missingStore();
      stores.push(store);
      await expect(store.list()).rejects.toThrow(DeadLetterReplayException);
      await expect(store.requeue()).rejects.toThrow(/does not exist/);
    });
  });
}
