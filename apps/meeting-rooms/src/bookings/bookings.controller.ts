import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SagaMediator } from 'nestjs-cqrs-broker/saga';
import { ApiBodyRefusedResponses, ApiInvalidInputResponse } from '../../../shared/src/http/api-responses.decorator.js';
import { ErrorResponse } from '../../../shared/src/http/error.response.js';
import { BookMeeting, type BookingContext } from './book-meeting.saga.js';
import { BookingAcceptedResponse, BookingResponse, BookMeetingBody } from './book-meeting.body.js';

/**
 * A booking is a saga: POST stores it (durably) and answers 202 with its id
 * while it runs; GET follows it through its steps.
 */
@ApiTags('bookings')
@ApiInvalidInputResponse()
@Controller('bookings')
export class BookingsController {
  constructor(private readonly sagas: SagaMediator) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: BookingAcceptedResponse, description: 'The booking saga is stored and runs; follow it with GET /bookings/{id}.' })
  @ApiBodyRefusedResponses()
  async book(@Body() body: BookMeetingBody): Promise<BookingAcceptedResponse> {
    const context: BookingContext = { roomId: body.roomId, participants: body.participants, ...(body.failAt ? { failAt: body.failAt } : {}) };
    return { id: await this.sagas.dispatch(BookMeeting, context) };
  }

  @Get(':id')
  @ApiOkResponse({ type: BookingResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such booking.' })
  async read(@Param('id') id: string): Promise<BookingResponse> {
    const saga = await this.sagas.get<BookingContext>(id);
    if (!saga || saga.name !== 'book-meeting') throw new NotFoundException(`Booking ${id} not found`);
    return { id: saga.id, state: saga.state, steps: saga.steps.map(({ name, status, attempts }) => ({ name, status, attempts })) };
  }
}
