import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequestMediator } from 'nestjs-cqrs-broker';
import { ApiBodyRefusedResponses, ApiInvalidInputResponse } from '../../../shared/src/http/api-responses.decorator.js';
import { ErrorResponse } from '../../../shared/src/http/error.response.js';
import { NoBodyPipe } from '../../../shared/src/http/no-body.pipe.js';
import { CloseMeetingRoomCommand, type ClosedRoomView } from './commands/close-meeting-room.command.js';
import { JoinMeetingCommand } from './commands/join-meeting.command.js';
import { JoinMeetingBody } from './dto/join-meeting.body.js';
import { ClosedRoomResponse, JoinedResponse, MeetingResponse } from './dto/meeting.view.js';
import { ReadMeetingQuery, type MeetingView } from './queries/read-meeting.query.js';

/**
 * HTTP in, requests out: all logic lives in the handlers. Path ids are
 * checked by the input guard (control characters) and by the requests'
 * validation (blank, too long) before any handler runs.
 */
@ApiTags('meetings')
@ApiInvalidInputResponse()
@Controller()
export class MeetingsController {
  constructor(private readonly mediator: RequestMediator) {}

  @Post('meetings/:meetingId/participants')
  @ApiCreatedResponse({ type: JoinedResponse, description: 'The user is a participant (joining twice is harmless).' })
  @ApiBodyRefusedResponses()
  async join(@Param('meetingId') meetingId: string, @Body() body: JoinMeetingBody): Promise<JoinedResponse> {
    await this.mediator.send(new JoinMeetingCommand(meetingId, body.userId));
    return { meetingId, userId: body.userId };
  }

  @Get('meetings/:meetingId')
  @ApiOkResponse({ type: MeetingResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such meeting.' })
  read(@Param('meetingId') meetingId: string): Promise<MeetingView> {
    return this.mediator.send(new ReadMeetingQuery(meetingId));
  }

  @Post('rooms/:roomId/close')
  @HttpCode(200)
  @ApiOkResponse({ type: ClosedRoomResponse, description: 'The room is closed (closing it again changes nothing).' })
  @ApiBodyRefusedResponses()
  close(@Param('roomId') roomId: string, @Body(NoBodyPipe) _body?: unknown): Promise<ClosedRoomView> {
    return this.mediator.send(new CloseMeetingRoomCommand(roomId));
  }
}
