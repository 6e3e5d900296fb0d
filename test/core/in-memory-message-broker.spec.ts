import type { MockInstance } from 'vitest';
import { Logger } from '@nestjs/common';
import { InMemoryMessageBroker, type BrokerMessage } from 'nestjs-cqrs-broker';

const message = (topic: string, eventId: string): BrokerMessage => ({
  topic,
  eventId,
  eventName: 'test_event',
  body: Buffer.from(JSON.stringify({ event_id: eventId })),
  headers: { 'event-id': eventId },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('InMemoryMessageBroker', () => {
  let errors: MockInstance<Logger['error']>;

  beforeEach(() => {
    errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {});
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('delivers one topic\'s messages to a slow async listener in publish order, one at a time', async () => {
    const broker = new InMemoryMessageBroker();
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    broker.subscribe('rooms', async (m) => {
      maxRunning = Math.max(maxRunning, ++running);
      // Earlier messages take longer: without ordering, later ones would overtake them.
      await sleep(Number(m.eventId.slice(1)) < 3 ? 15 : 1);
      seen.push(m.eventId);
      running--;
    });
    await broker.publish([message('rooms', 'e0'), message('rooms', 'e1')]);
    await broker.publish([message('rooms', 'e2')]);
    await broker.publish([message('rooms', 'e3'), message('rooms', 'e4')]);
    await broker.drain();
    expect(seen).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(maxRunning).toBe(1);
  });

  it('resolves publish without waiting for listeners to finish', async () => {
    const broker = new InMemoryMessageBroker();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    broker.subscribe('rooms', async () => {
      await blocked;
      finished = true;
    });
    await broker.publish([message('rooms', 'e1')]);
    expect(finished).toBe(false);
    release();
    await broker.drain();
    expect(finished).toBe(true);
  });

  it('logs a throwing listener with the topic and event id and keeps delivering later messages', async () => {
    const broker = new InMemoryMessageBroker();
    const seen: string[] = [];
    broker.subscribe('rooms', (m) => {
      if (m.eventId === 'bad-sync') throw new Error('sync boom');
      if (m.eventId === 'bad-async') return Promise.reject(new Error('async boom'));
      seen.push(m.eventId);
    });
    await broker.publish([message('rooms', 'e1'), message('rooms', 'bad-sync'), message('rooms', 'bad-async'), message('rooms', 'e2')]);
    await broker.publish([message('rooms', 'e3')]);
    await broker.drain();
    expect(seen).toEqual(['e1', 'e2', 'e3']);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0][0]).toMatch(/"rooms".*bad-sync.*sync boom/);
    expect(errors.mock.calls[1][0]).toMatch(/"rooms".*bad-async.*async boom/);
  });

  it('stops delivering to a listener once it unsubscribes, while other listeners keep receiving', async () => {
    const broker = new InMemoryMessageBroker();
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribe = broker.subscribe('rooms', (m) => void first.push(m.eventId));
    broker.subscribe('rooms', (m) => void second.push(m.eventId));
    await broker.publish([message('rooms', 'e1')]);
    await broker.drain();
    unsubscribe();
    await broker.publish([message('rooms', 'e2')]);
    await broker.drain();
    expect(first).toEqual(['e1']);
    expect(second).toEqual(['e1', 'e2']);
  });

  it('drain() resolves only after every delivery made so far has been handled', async () => {
    const broker = new InMemoryMessageBroker();
    const handled: string[] = [];
    broker.subscribe('a', async (m) => {
      await sleep(10);
      handled.push(m.eventId);
    });
    broker.subscribe('b', async (m) => {
      await sleep(20);
      handled.push(m.eventId);
    });
    await broker.publish([message('a', 'a1'), message('b', 'b1'), message('a', 'a2')]);
    expect(handled).toEqual([]);
    await broker.drain();
    expect([...handled].sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('delivers only the subscribed topic, and drops messages of topics nobody listens to', async () => {
    const broker = new InMemoryMessageBroker();
    const rooms: string[] = [];
    const users: string[] = [];
    broker.subscribe('rooms', (m) => void rooms.push(m.eventId));
    broker.subscribe('users', (m) => void users.push(m.eventId));
    await broker.publish([message('rooms', 'r1'), message('users', 'u1'), message('nobody', 'n1'), message('rooms', 'r2')]);
    await broker.drain();
    expect(rooms).toEqual(['r1', 'r2']);
    expect(users).toEqual(['u1']);
  });

  it('passes each message through unchanged', async () => {
    const broker = new InMemoryMessageBroker();
    const received: BrokerMessage[] = [];
    broker.subscribe('rooms', (m) => void received.push(m));
    const sent = message('rooms', 'e1');
    await broker.publish([sent]);
    await broker.drain();
    expect(received).toEqual([sent]);
    expect(received[0].body.equals(sent.body)).toBe(true);
  });

  it('close() waits for pending deliveries and then delivers nothing more', async () => {
    const broker = new InMemoryMessageBroker();
    const seen: string[] = [];
    broker.subscribe('rooms', async (m) => {
      await sleep(10);
      seen.push(m.eventId);
    });
    await broker.publish([message('rooms', 'e1')]);
    await broker.close();
    expect(seen).toEqual(['e1']);
    await broker.publish([message('rooms', 'e2')]);
    await broker.drain();
    expect(seen).toEqual(['e1']);
  });
});
