import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { StreamParticipantsQueryHandler } from '../../apps/meeting-rooms/src/meetings/queries/stream-participants.handler.js';
import type { StreamParticipantsQuery } from '../../apps/meeting-rooms/src/meetings/queries/stream-participants.query.js';

interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Splits an SSE body into its events (`event:` and one JSON `data:` line each). */
function parseEvents(text: string): ServerSentEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim();
      return { event: field('event') ?? 'message', data: JSON.parse(field('data')!) };
    });
}

describe('GET /meetings/:meetingId/participants/stream (Server-Sent Events over RequestMediator.stream; SQLite, in-memory broker)', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'participants-stream-e2e-'));
    Object.assign(process.env, { LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, BROKER_URL: 'memory://', RUN_RELAY: 'true' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0);
    const { port } = app.getHttpServer().address();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const joinAll = async (meetingId: string, userIds: string[]) => {
    for (const userId of userIds) {
      const response = await fetch(`${base}/meetings/${meetingId}/participants`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId }),
      });
      expect(response.status).toBe(201);
    }
  };

  it('sends one "participant" event per participant in join order, then an "end" event with the count', async () => {
    await joinAll('townhall', ['ada', 'grace', 'linus']);
    const response = await fetch(`${base}/meetings/townhall/participants/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseEvents(await response.text());
    expect(events.map(({ event }) => event)).toEqual(['participant', 'participant', 'participant', 'end']);
    expect(events.slice(0, 3).map(({ data }) => (data as { userId: string }).userId)).toEqual(['ada', 'grace', 'linus']);
    for (const { data } of events.slice(0, 3)) expect(Number.isNaN(Date.parse((data as { joinedAt: string }).joinedAt))).toBe(false);
    expect(events[3].data).toEqual({ meetingId: 'townhall', participants: 3 });
  });

  it('answers 404 before any event for a meeting that does not exist', async () => {
    const response = await fetch(`${base}/meetings/nowhere/participants/stream`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, message: 'Meeting "nowhere" not found' });
  });

  it('closes the handler\'s iterator when the client disconnects early, and reads no further', async () => {
    const everyone = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    await joinAll('all-hands', everyone);
    // A slow database: each item of the real handler takes 100 ms; record whether its iterator is closed.
    const handler = app.get(StreamParticipantsQueryHandler);
    const handle = handler.handle.bind(handler);
    const probe = { produced: 0, returned: false, doneAfterwards: false };
    vi.spyOn(handler, 'handle').mockImplementation((query: StreamParticipantsQuery) => {
      const items = handle(query);
      const next = items.next.bind(items);
      const close = items.return.bind(items);
      items.next = async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const result = await next();
        if (!result.done) probe.produced++;
        return result;
      };
      items.return = async (value) => {
        probe.returned = true;
        const result = await close(value);
        probe.doneAfterwards = (await next()).done === true;
        return result;
      };
      return items;
    });

    const client = new AbortController();
    const response = await fetch(`${base}/meetings/all-hands/participants/stream`, { signal: client.signal });
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('event: participant')) received += new TextDecoder().decode((await reader.read()).value);
    client.abort(); // the first participant is enough: the client leaves

    const deadline = Date.now() + 5_000;
    while (!probe.returned && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(probe.returned).toBe(true);
    expect(probe.doneAfterwards).toBe(true); // the handler's generator is finished: nothing more is read
    expect(probe.produced).toBeLessThan(everyone.length);
    const producedWhenClosed = probe.produced;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.produced).toBe(producedWhenClosed);
  });
});
