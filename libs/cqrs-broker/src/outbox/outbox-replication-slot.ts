import type { DataSource } from 'typeorm';

/**
 * The replication slot a `logical-replication` relay streams, as PostgreSQL
 * reports it: what is left to relay when the events are WAL, not rows. @publicApi
 */
export interface OutboxReplicationSlot {
  readonly slotName: string;
  /** A relay is streaming it now. */
  readonly active: boolean;
  /** WAL written since the slot's confirmed position, in bytes: the relay's backlog (and WAL the server must keep). */
  readonly lagBytes: number;
}

/** The slot `slotName` on this PostgreSQL server, or undefined when there is none (a table relay). */
export async function readReplicationSlot(dataSource: DataSource, slotName: string): Promise<OutboxReplicationSlot | undefined> {
  const rows: Array<{ active: boolean; lag: string | number | null }> = await dataSource.query(
    `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) AS lag FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
  const [slot] = rows;
  return slot ? { slotName, active: slot.active, lagBytes: Math.max(0, Number(slot.lag ?? 0)) } : undefined;
}
