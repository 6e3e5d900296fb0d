import { Injectable } from '@nestjs/common';
import { HandlerRegistry, type HandlerInvoker } from '../discovery/handler-registry.js';
import { EventEmitter } from '../events/event-emitter.js';
import type { Request } from './request.js';
import { RequestHandlerNotFoundException } from '../errors/request-handler-not-found.exception.js';

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

  send<TResult>(request: Request<TResult>): Promise<TResult> {
    // Not async, so a singleton handler's promise is returned as it is (no
    // extra frames or microtask ticks); every failure is still a rejection.
    try {
      const invoker = this.registry.requestInvoker(request.constructor);
      if (!invoker) throw new RequestHandlerNotFoundException(request.constructor.name);
      if (invoker.call) return invoker.call(request) as Promise<TResult>;
      return this.sendAndEmit(invoker, request);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Non-singleton handlers: emit the events the handler produced, then return its result. */
  private async sendAndEmit<TResult>(invoker: HandlerInvoker, request: Request<TResult>): Promise<TResult> {
    const { result, events } = await invoker.invoke(request);
    if (events) await this.emitter.emit(events);
    return result as TResult;
  }
}
