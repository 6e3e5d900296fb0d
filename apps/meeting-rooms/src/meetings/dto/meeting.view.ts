import { ApiProperty } from '@nestjs/swagger';
import type { MeetingView } from '../queries/read-meeting.query.js';
import type { ClosedRoomView } from '../commands/close-meeting-room.command.js';

export class MeetingResponse implements MeetingView {
  @ApiProperty({ example: 'weekly-sync' }) meetingId: string;
  @ApiProperty({ example: 'https://meet.example.com/weekly-sync' }) link: string;
  @ApiProperty({ type: [String], example: ['user-42'] }) participants: string[];
}

export class JoinedResponse {
  @ApiProperty({ example: 'weekly-sync' }) meetingId: string;
  @ApiProperty({ example: 'user-42' }) userId: string;
}

export class ClosedRoomResponse implements ClosedRoomView {
  @ApiProperty({ example: 'room-1' }) roomId: string;
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' }) closedAt: string;
}
