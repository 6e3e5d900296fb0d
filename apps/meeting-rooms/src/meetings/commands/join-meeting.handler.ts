import { Injectable, Scope } from '@nestjs/common';
import { HandlesRequest, type RequestHandler } from 'nestjs-cqrs-broker';
import { DataSource } from 'typeorm';
import { Meeting } from '../entities/meeting.entity.js';
import { Participant } from '../entities/participant.entity.js';
import { UserJoinedMeeting } from '../events/user-joined-meeting.event.js';
import { UserJoined } from '../events/user-joined.event.js';
import { meetingLink } from '../meeting-link.js';
import { JoinMeetingCommand } from './join-meeting.command.js';

@HandlesRequest(JoinMeetingCommand)
@Injectable({ scope: Scope.TRANSIENT })
export class JoinMeetingCommandHandler implements RequestHandler<JoinMeetingCommand> {
  readonly events: object[] = [];

  constructor(private readonly dataSource: DataSource) {}

  async handle({ meetingId, userId }: JoinMeetingCommand): Promise<void> {
    const joined = await this.dataSource.transaction(async (manager) => {
      if (await manager.existsBy(Participant, { meetingId, userId })) return false;
      await manager.createQueryBuilder().insert().into(Meeting).values({ id: meetingId, link: meetingLink(meetingId) }).orIgnore().execute();
      await manager.insert(Participant, { meetingId, userId });
      return true;
    });
    // Joining twice changes nothing, so it announces nothing.
    if (joined) {
      this.events.push(new UserJoined(meetingId, userId), new UserJoinedMeeting({ payload: { meetingId, userId }, key: meetingId }));
    }
  }
}
