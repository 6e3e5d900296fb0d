import { Injectable, Scope } from '@nestjs/common';
import { HandlesRequest, type RequestHandler } from 'nestjs-cqrs-broker';
import { OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
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

  constructor(private readonly outbox: OutboxTransaction) {}

  async handle({ meetingId, userId }: JoinMeetingCommand): Promise<void> {
    // The participant row and the user_joined_meeting event commit together, or neither does.
    const joined = await this.outbox.run(async ({ manager, add }) => {
      if (await manager.existsBy(Participant, { meetingId, userId })) return false;
      await manager.createQueryBuilder().insert().into(Meeting).values({ id: meetingId, link: meetingLink(meetingId) }).orIgnore().execute();
      await manager.insert(Participant, { meetingId, userId });
      add(new UserJoinedMeeting({ payload: { meetingId, userId }, key: meetingId }));
      return true;
    });
    // Joining twice changes nothing, so it announces nothing. The domain event is handled in-process after commit.
    if (joined) this.events.push(new UserJoined(meetingId, userId));
  }
}
