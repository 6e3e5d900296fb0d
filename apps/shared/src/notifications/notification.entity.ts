import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A notification shown by `GET /notifications`; one per received event. */
@Entity({ name: 'notifications' })
export class Notification {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The event it came from. Unique as a second line of defence behind the inbox. */
  @Index({ unique: true })
  @Column({ name: 'event_id', type: 'varchar', length: 255 })
  eventId: string;

  @Column({ type: 'varchar', length: 100 })
  kind: string;

  @Column({ type: 'varchar', length: 500 })
  message: string;

  @Column({ name: 'meeting_id', type: 'varchar', length: 100, nullable: true })
  meetingId: string | null;

  @Column({ name: 'meeting_room_id', type: 'varchar', length: 100, nullable: true })
  meetingRoomId: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 100, nullable: true })
  userId: string | null;

  /** When the event happened (its event_timestamp). */
  @Column({ name: 'occurred_at', type: Date })
  occurredAt: Date;

  @CreateDateColumn({ name: 'received_at' })
  receivedAt: Date;
}
