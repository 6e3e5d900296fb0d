import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequestMediator } from 'nestjs-cqrs-broker';
import { CloseMeetingRoomCommand, type ClosedRoomView } from './commands/close-meeting-room.command.js';
import { JoinMeetingCommand } from './commands/join-meeting.command.js';
import { JoinMeetingBody } from './dto/join-meeting.body.js';
import { ClosedRoomResponse, MeetingResponse } from './dto/meeting.view.js';
import { ReadMeetingQuery, type MeetingView } from './queries/read-meeting.query.js';

/** HTTP in, requests out: all logic lives in the handlers. */
@ApiTags('meetings')
@Controller()
export class MeetingsController {
  constructor(private readonly mediator: RequestMediator) {}

  @Post('meetings/:meetingId/participants')
  @ApiCreatedResponse({ description: 'The user is a participant (joining twice is harmless).' })
  @ApiBadRequestResponse({ description: 'Invalid body; the message lists every field error.' })
  async join(@Param('meetingId') meetingId: string, @Body() body: JoinMeetingBody): Promise<{ meetingId: string; userId: string }> {
    await this.mediator.send(new JoinMeetingCommand(meetingId, body.userId));
    return { meetingId, userId: body.userId };
  }

  @Get('meetings/:meetingId')
  @ApiOkResponse({ type: MeetingResponse })
  @ApiNotFoundResponse({ description: 'No such meeting.' })
  read(@Param('meetingId') meetingId: string): Promise<MeetingView> {
    return this.mediator.send(new ReadMeetingQuery(meetingId));
  }

  @Post('rooms/:roomId/close')
  @HttpCode(200)
  @ApiOkResponse({ type: ClosedRoomResponse })
  close(@Param('roomId') roomId: string): Promise<ClosedRoomView> {
    return this.mediator.send(new CloseMeetingRoomCommand(roomId));
  }
}
