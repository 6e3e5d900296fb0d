import { CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Meeting } from './meeting.entity.js';

@Entity({ name: 'meeting_participants' })
export class Participant {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  meetingId: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  userId: string;

  @CreateDateColumn()
  joinedAt: Date;

  // A string target avoids an import cycle between the two entity modules under ESM.
  @ManyToOne('Meeting', 'participants', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'meetingId' })
  meeting?: Meeting;
}
