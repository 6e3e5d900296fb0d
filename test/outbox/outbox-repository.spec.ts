import { UnserializableEventException } from 'nestjs-cqrs-broker';
import { OUTBOX_CODECS } from 'nestjs-cqrs-broker/outbox';
import { databases, dropTable, uniqueTable } from './databases.js';
import { booked, bookingEntity, idsOf, openOutbox, recordingBroker, RoomBooked, serializer, type RoomBookedPayload, type TestOutbox } from './harness.js';

describe.each(databases)('outbox writes on $name', (db) => {
  const table = uniqueTable('repo');
  const bookings = uniqueTable('repo_bookings');
  const Booking = bookingEntity(bookings);
  let outbox: TestOutbox;

  beforeAll(async () => {
    outbox = await openOutbox(db, table, { synchronize: true, extraEntities: [Booking] });
  });
  afterAll(async () => {
    await dropTable(outbox.dataSource, table);
    await dropTable(outbox.dataSource, bookings);
    await outbox.close();
  });
  beforeEach(async () => {
    await outbox.dataSource.query(`DELETE FROM ${outbox.dataSource.driver.escape(table)}`);
  });

  it('an event added in a committed transaction is stored with the business row', async () => {
    const event = booked(1, 'room-a');
    await outbox.transaction.run(async (tx) => {
      await tx.manager.insert(Booking, { id: 1, room: 'a' });
      tx.add(event);
    });
    expect(await outbox.dataSource.getRepository(Booking).countBy({ id: 1 })).toBe(1);
    const rows = await outbox.rows();
    expect(rows.map((r) => [r.event_id, r.status, r.attempts])).toEqual([[event.eventId, 'pending', 0]]);
  });

  it('a rolled back transaction stores neither the business row nor its event', async () => {
    await expect(
      outbox.transaction.run(async (tx) => {
        await tx.manager.insert(Booking, { id: 2, room: 'b' });
        tx.add(booked(2));
        throw new Error('business rule broken');
      }),
    ).rejects.toThrow('business rule broken');
    await expect(
      outbox.dataSource.transaction(async (manager) => {
        await outbox.repository.add(manager, booked(3));
        throw new Error('later failure');
      }),
    ).rejects.toThrow('later failure');
    expect(await outbox.dataSource.getRepository(Booking).countBy({ id: 2 })).toBe(0);
    expect(await outbox.rows()).toEqual([]);
  });

  it('OutboxRepository.add stores several events in the caller transaction, committed with it', async () => {
    const events = [booked(10), booked(11), booked(12)];
    await outbox.dataSource.transaction(async (manager) => {
      await manager.insert(Booking, { id: 10, room: 'c' });
      await outbox.repository.add(manager, events);
    });
    expect((await outbox.rows()).map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));
  });

  it('an unserializable event fails where it is added and takes the business change down with it', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = booked(20);
    (bad as { payload: unknown }).payload = cyclic;
    await expect(
      outbox.transaction.run(async (tx) => {
        await tx.manager.insert(Booking, { id: 20, room: 'd' });
        tx.add(bad);
      }),
    ).rejects.toThrow(UnserializableEventException);
    await expect(outbox.dataSource.transaction((m) => outbox.repository.add(m, { eventName: 'plain object' } as never))).rejects.toThrow(UnserializableEventException);
    expect(await outbox.dataSource.getRepository(Booking).countBy({ id: 20 })).toBe(0);
    expect(await outbox.rows()).toEqual([]);
  });

  it.each(OUTBOX_CODECS)('rows compressed with %s reach the broker byte for byte as the serializer wrote them', async (codec) => {
    const writer = await openOutbox(db, table, { codec });
    try {
      const events = [booked(30, 'k'), new RoomBooked({ payload: { bookingId: 31, note: 'x'.repeat(5_000) } as RoomBookedPayload })];
      await writer.transaction.run(async (tx) => tx.add(...events));
      const stored: any[] = await writer.dataSource.query(`SELECT codec, payload FROM ${writer.dataSource.driver.escape(table)} ORDER BY id`);
      expect(stored.map((r) => r.codec)).toEqual([codec, codec]);
      if (codec !== 'none') expect(Buffer.from(stored[1].payload).length).toBeLessThan(1_000);

      const { broker, received } = recordingBroker();
      // The relay decodes with the codec recorded on each row, whatever codec its own app writes with.
      expect((await outbox.relay(broker).publishBatch()).published).toBe(2);
      await broker.drain();
      expect(idsOf(received)).toEqual(events.map((e) => e.eventId));
      for (const [i, event] of events.entries()) {
        const expected = serializer.toMessage(event);
        expect(received[i].body.equals(expected.body)).toBe(true);
        expect(received[i].headers).toEqual(expected.headers);
        expect(received[i].key).toEqual(expected.key);
      }
    } finally {
      await writer.close();
    }
  });
});
