import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import { Participant } from './participant.entity.js';

@Entity({ name: 'meetings' })
export class Meeting {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  id: string;

  @Column({ type: 'varchar', length: 300 })
  link: string;

  @CreateDateColumn()
  createdAt: Date;

  @OneToMany(() => Participant, (participant) => participant.meeting)
  participants?: Participant[];
}
