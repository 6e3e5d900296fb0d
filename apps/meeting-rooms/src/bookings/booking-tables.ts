import { Injectable, type OnModuleInit } from '@nestjs/common';
import { createSagaLogMigration } from 'nestjs-cqrs-broker/saga';
import { DataSource, Table } from 'typeorm';

export const RESERVATIONS = 'booking_reservations';
export const INVITATIONS = 'booking_invitations';

/**
 * Creates the saga log and the bookings' two tables when the app starts, if
 * they are missing (the sample synchronizes its schema; a real app would list
 * `createSagaLogMigration()` with its migrations).
 */
@Injectable()
export class BookingTables implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await new (createSagaLogMigration())().up(runner);
      await runner.createTable(
        new Table({
          name: RESERVATIONS,
          columns: [
            // The step's idempotency key: a reservation per booking, whatever the retries.
            { name: 'id', type: 'varchar', length: '200', isPrimary: true },
            { name: 'booking_id', type: 'varchar', length: '128' },
            { name: 'room_id', type: 'varchar', length: '100' },
            { name: 'status', type: 'varchar', length: '16' },
          ],
        }),
        true,
      );
      await runner.createTable(
        new Table({
          name: INVITATIONS,
          columns: [
            { name: 'booking_id', type: 'varchar', length: '128', isPrimary: true },
            { name: 'participant', type: 'varchar', length: '100', isPrimary: true },
            { name: 'status', type: 'varchar', length: '16' },
          ],
        }),
        true,
      );
    } finally {
      await runner.release();
    }
  }
}
