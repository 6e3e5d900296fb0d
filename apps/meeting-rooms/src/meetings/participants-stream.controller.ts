import { Controller, type MessageEvent, Param, Sse } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequestMediator } from 'nestjs-cqrs-broker';
import { Observable } from 'rxjs';
import { ApiInvalidInputResponse } from '../../../shared/src/http/api-responses.decorator.js';
import { ErrorResponse } from '../../../shared/src/http/error.response.js';
import { StreamParticipantsQuery } from './queries/stream-participants.query.js';

/** Server-Sent Events over `RequestMediator.stream`. */
@ApiTags('meetings')
@Controller()
export class ParticipantsStreamController {
  constructor(private readonly mediator: RequestMediator) {}

  @Sse('meetings/:meetingId/participants/stream')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'One "participant" event per participant ({ userId, joinedAt }), in join order, then one "end" event ({ meetingId, participants: count }).',
  })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such meeting (answered before any event).' })
  @ApiInvalidInputResponse()
  streamParticipants(@Param('meetingId') meetingId: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const participants = this.mediator.stream(new StreamParticipantsQuery(meetingId));
      void (async () => {
        let count = 0;
        for await (const participant of participants) {
          if (subscriber.closed) return;
          subscriber.next({ type: 'participant', data: participant });
          count++;
        }
        subscriber.next({ type: 'end', data: { meetingId, participants: count } });
        subscriber.complete();
      })().catch((error: unknown) => subscriber.error(error));
      // The client went away: stop the stream, which closes the handler's iterator.
      return () => void participants.return(undefined);
    });
  }
}
