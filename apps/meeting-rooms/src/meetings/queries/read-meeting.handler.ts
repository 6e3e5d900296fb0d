import { Injectable } from '@nestjs/common';
import { HandlesRequest, type RequestHandler } from 'nestjs-cqrs-broker';
import { DataSource } from 'typeorm';
import { retryRead } from '../../../../shared/src/retry-read.js';
import { Meeting } from '../entities/meeting.entity.js';
import { Participant } from '../entities/participant.entity.js';
import { MeetingNotFoundException } from './meeting-not-found.exception.js';
import { ReadMeetingQuery, type MeetingView } from './read-meeting.query.js';

@HandlesRequest(ReadMeetingQuery)
@Injectable()
export class ReadMeetingQueryHandler implements RequestHandler<ReadMeetingQuery> {
  constructor(private readonly dataSource: DataSource) {}

  /** A read: retried once on a stale pooled connection. */
  handle({ meetingId }: ReadMeetingQuery): Promise<MeetingView> {
    return retryRead(() => this.read(meetingId));
  }

  private async read(meetingId: string): Promise<MeetingView> {
    const meeting = await this.dataSource.manager.findOneBy(Meeting, { id: meetingId });
    if (!meeting) throw new MeetingNotFoundException(meetingId);
    const participants = await this.dataSource.manager.find(Participant, {
      where: { meetingId },
      order: { joinedAt: 'ASC', userId: 'ASC' },
    });
    return { meetingId, link: meeting.link, participants: participants.map((p) => p.userId) };
  }
}
