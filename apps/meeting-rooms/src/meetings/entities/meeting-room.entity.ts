import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'meeting_rooms' })
export class MeetingRoom {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  id: string;

  @Column({ type: Date, nullable: true })
  closedAt: Date | null;
}
