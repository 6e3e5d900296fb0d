import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CloseMeetingRoomCommandHandler } from './commands/close-meeting-room.handler.js';
import { JoinMeetingCommandHandler } from './commands/join-meeting.handler.js';
import { MeetingRoom } from './entities/meeting-room.entity.js';
import { Meeting } from './entities/meeting.entity.js';
import { Participant } from './entities/participant.entity.js';
import { UserJoinedHandler } from './events/user-joined.handler.js';
import { MeetingsController } from './meetings.controller.js';
import { ParticipantsStreamController } from './participants-stream.controller.js';
import { ReadMeetingQueryHandler } from './queries/read-meeting.handler.js';
import { StreamParticipantsQueryHandler } from './queries/stream-participants.handler.js';
import { RoomNotifier } from './room-notifier.service.js';

export const MEETING_ENTITIES = [Meeting, Participant, MeetingRoom];

@Module({
  imports: [TypeOrmModule.forFeature(MEETING_ENTITIES)],
  controllers: [MeetingsController, ParticipantsStreamController],
  providers: [
    JoinMeetingCommandHandler,
    CloseMeetingRoomCommandHandler,
    ReadMeetingQueryHandler,
    StreamParticipantsQueryHandler,
    UserJoinedHandler,
    RoomNotifier,
  ],
  exports: [RoomNotifier],
})
export class MeetingsModule {}
