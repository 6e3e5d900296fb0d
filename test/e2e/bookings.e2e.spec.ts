// POST /bookings runs a booking saga (reserve the room → invite the participants → send the link); GET /bookings/:id
// follows it. Parametrized over the e2e databases (each run gets a fresh one), in-memory broker.
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createMeetingRoomsApp } from '../../apps/meeting-rooms/src/app.factory.js';
import { e2eDatabases, type E2eDatabase } from './support/e2e-databases.js';

interface BookingView {
  id: string;
  state: string;
  steps: { name: string; status: string; attempts: number }[];
}

describe.each(e2eDatabases())('meeting-rooms bookings saga ($name, in-memory broker)', (database: E2eDatabase) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const url = await database.create();
    Object.assign(process.env, { LOG_LEVEL: 'silent', DATABASE_URL: url, BROKER_URL: 'memory://', RUN_RELAY: 'true' });
    app = await createMeetingRoomsApp();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0);
    base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  });
  afterAll(async () => {
    await app?.close();
    await database.drop();
  });

  const book = (body: unknown) => fetch(`${base}/bookings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** Polls GET /bookings/:id until the saga leaves running/compensating. */
  async function settled(id: string): Promise<BookingView> {
    for (let i = 0; i < 300; i++) {
      const response = await fetch(`${base}/bookings/${id}`);
      expect(response.status).toBe(200);
      const view = (await response.json()) as BookingView;
      if (view.state !== 'running' && view.state !== 'compensating') return view;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`booking ${id} did not settle`);
  }

  const rows = async (sql: string) => app.get(DataSource).query(sql);

  it('answers 202 with the saga id; the booking completes: room held, participants invited, link event in the outbox', async () => {
    const response = await book({ roomId: 'room-7', participants: ['ada', 'linus'] });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const view = await settled(id);
    expect(view).toEqual({
      id,
      state: 'completed',
      steps: [
        { name: 'reserve-room', status: 'completed', attempts: 1 },
        { name: 'invite-participants', status: 'completed', attempts: 1 },
        { name: 'send-link', status: 'completed', attempts: 1 },
      ],
    });
    expect(await rows(`SELECT status FROM booking_reservations WHERE booking_id = '${id}'`)).toEqual([{ status: 'held' }]);
    expect((await rows(`SELECT status FROM booking_invitations WHERE booking_id = '${id}'`)).map((r: { status: string }) => r.status)).toEqual(['invited', 'invited']);
    expect(await rows(`SELECT event_name FROM outbox WHERE event_name = 'meeting_link_sent' AND event_key = 'room-7'`)).toHaveLength(1);
  });

  it.each([
    ['reserve-room', ['failed', 'pending', 'pending'], 'none'],
    ['invite-participants', ['compensated', 'failed', 'pending'], 'released'],
    ['send-link', ['compensated', 'compensated', 'failed'], 'released'],
  ])('failAt %s compensates the completed steps in reverse and ends compensated', async (failAt, statuses, reservation) => {
    const response = await book({ roomId: `room-${failAt}`, participants: ['grace'], failAt });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const view = await settled(id);
    expect(view.state).toBe('compensated');
    expect(view.steps.map((step) => step.status)).toEqual(statuses);
    const held = await rows(`SELECT status FROM booking_reservations WHERE booking_id = '${id}'`);
    expect(held.map((r: { status: string }) => r.status)).toEqual(reservation === 'none' ? [] : [reservation]);
    const invitations = await rows(`SELECT status FROM booking_invitations WHERE booking_id = '${id}'`);
    expect(invitations.map((r: { status: string }) => r.status)).toEqual(failAt === 'send-link' ? ['cancelled'] : []);
    expect(await rows(`SELECT event_name FROM outbox WHERE event_name = 'meeting_link_sent' AND event_key = 'room-${failAt}'`)).toHaveLength(0);
  });

  it('refuses a bad body with 400 and an unknown booking with 404', async () => {
    expect((await book({ roomId: 'room-1', participants: [] })).status).toBe(400);
    expect((await book({ roomId: 'room-1', participants: ['ada'], failAt: 'everything' })).status).toBe(400);
    expect((await book({ roomId: ' ', participants: ['ada'] })).status).toBe(400);
    expect((await fetch(`${base}/bookings/no-such-booking`)).status).toBe(404);
  });
});
