import { Injectable } from '@nestjs/common';
import { HandlerRegistry } from '../discovery/handler-registry.js';
import { EventEmitter } from '../events/event-emitter.js';
import type { Request } from './request.js';
import { RequestHandlerNotFoundException } from './request-handler-not-found.exception.js';

/**
 * Sends commands and queries to their one handler: runs the middleware chain,
 * calls `handle`, hands the events the handler produced to the
 * `EventEmitter`, and returns the handler's result, typed by the request.
 *
 * @example
 * const meeting = await mediator.send(new ReadMeetingQuery(meetingId)); // MeetingView
 * @publicApi
 */
@Injectable()
export class RequestMediator {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly emitter: EventEmitter,
  ) {}

  async send<TResult>(request: Request<TResult>): Promise<TResult> {
    const invoker = this.registry.requestInvoker(request.constructor);
    if (!invoker) throw new RequestHandlerNotFoundException(request.constructor.name);
    const { result, events } = await invoker.invoke(request);
    if (events) await this.emitter.emit(events);
    return result as TResult;
  }
}
