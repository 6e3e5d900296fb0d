import { Injectable } from '@nestjs/common';
import { HandlesRequest, type StreamRequestHandler } from 'nestjs-cqrs-broker';
import { DataSource } from 'typeorm';
import { Meeting } from '../entities/meeting.entity.js';
import { Participant } from '../entities/participant.entity.js';
import { MeetingNotFoundException } from './meeting-not-found.exception.js';
import { StreamParticipantsQuery, type ParticipantView } from './stream-participants.query.js';

/** Rows read per query: the stream holds at most one page in memory. */
const PAGE_SIZE = 100;

@HandlesRequest(StreamParticipantsQuery)
@Injectable()
export class StreamParticipantsQueryHandler implements StreamRequestHandler<StreamParticipantsQuery> {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Reads page by page, and only as fast as the stream is consumed; a client
   * that disconnects stops it before the next page is read. Throws before the
   * first item for an unknown meeting, so the caller can still answer 404.
   */
  async *handle({ meetingId }: StreamParticipantsQuery): AsyncGenerator<ParticipantView> {
    if (!(await this.dataSource.manager.existsBy(Meeting, { id: meetingId }))) throw new MeetingNotFoundException(meetingId);
    for (let skip = 0; ; skip += PAGE_SIZE) {
      const page = await this.dataSource.manager.find(Participant, {
        where: { meetingId },
        order: { joinedAt: 'ASC', userId: 'ASC' },
        skip,
        take: PAGE_SIZE,
      });
      for (const participant of page) yield { userId: participant.userId, joinedAt: participant.joinedAt.toISOString() };
      if (page.length < PAGE_SIZE) return;
    }
  }
}
