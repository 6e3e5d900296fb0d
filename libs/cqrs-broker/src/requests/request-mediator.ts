import { Inject, Injectable, Optional } from '@nestjs/common';
import { ContextIdFactory } from '@nestjs/core';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import { CQRS_TRACING, type CqrsTracing } from '../tracing/cqrs-tracing.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { HandlerRegistry } from '../discovery/handler-registry.js';
import type { HandlerInvoker } from '../discovery/handler-invoker.js';
import { EventEmitter } from '../events/event-emitter.js';
import type { Request } from './request.js';
import type { StreamRequest } from './stream-request.js';
import { RequestHandlerNotFoundException } from '../errors/request-handler-not-found.exception.js';
import { UnsupportedOperationException } from '../errors/unsupported-operation.exception.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { NOT_A_STREAM_REQUEST, STREAM_HANDLER_RETURNED_NO_ITERABLE, STREAM_REQUEST_SENT } from '../errors/messages.js';

/**
 * Sends commands and queries to their handler (or chain of handlers): runs
 * the middleware chain, calls `handle`, hands the events the handler
 * produced to the `EventEmitter`, and returns the handler's result, typed by
 * the request. Streams the items of a `StreamRequest`, emitting events after
 * each one.
 *
 * @example
 * const meeting = await mediator.send(new ReadMeetingQuery(meetingId)); // MeetingView
 * for await (const participant of mediator.stream(new StreamParticipantsQuery(meetingId))) { ... }
 * @publicApi
 */
@Injectable()
export class RequestMediator {
  private readonly scopePerSend: boolean;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly emitter: EventEmitter,
    @Inject(CQRS_BROKER_OPTIONS) options: CqrsBrokerModuleOptions,
    @Optional() @Inject(CQRS_TRACING) private readonly tracing: CqrsTracing | null = null,
  ) {
    this.scopePerSend = options.scopePerSend ?? false;
  }

  send<TResult>(request: Request<TResult>): Promise<TResult> {
    // With tracing on, one span covers the handler and the events it emits.
    if (this.tracing) return this.tracing.send(request.constructor, () => this.dispatch(request));
    return this.dispatch(request);
  }

  private dispatch<TResult>(request: Request<TResult>): Promise<TResult> {
    // Not async, so a singleton handler's promise is returned as it is (no
    // extra frames or microtask ticks); every failure is still a rejection.
    try {
      const invoker = this.registry.requestInvoker(request.constructor);
      if (!invoker) throw this.noRequestHandler(request.constructor);
      if (invoker.call) return invoker.call(request) as Promise<TResult>;
      return this.sendAndEmit(invoker, request);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Opens the stream of a `StreamRequest` on the first `next()` and yields its
   * handler's items, typed by the request. After each item comes from the
   * handler, the events the handler collected so far are emitted, then the
   * item is yielded; events collected after the last item are emitted when
   * the handler finishes. Stopping early (`break`, `return()`, a client that
   * disconnects) closes the handler's iterator (its `return()` runs) and emits
   * nothing more. The middleware chain runs once, when the stream opens.
   */
  async *stream<TItem>(request: StreamRequest<TItem>): AsyncGenerator<TItem, void, undefined> {
    const invoker = this.registry.streamInvoker(request.constructor);
    if (!invoker) {
      if (this.registry.requestInvoker(request.constructor)) {
        throw new UnsupportedOperationException(NOT_A_STREAM_REQUEST(request.constructor.name));
      }
      throw new RequestHandlerNotFoundException(request.constructor.name);
    }
    const contextId = this.scopePerSend ? ContextIdFactory.create() : undefined;
    const { items, takeEvents } = await invoker.open(request, contextId);
    if (typeof (items as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] !== 'function') {
      throw new ConfigurationException(STREAM_HANDLER_RETURNED_NO_ITERABLE(invoker.handlerType.name, request.constructor.name));
    }
    // `for await` calls the handler iterator's `return()` when this generator
    // is left early: a consumer's `return()` resumes it at `yield`.
    for await (const item of items as AsyncIterable<TItem>) {
      const events = takeEvents();
      if (events) await this.emitter.emit(events, contextId);
      yield item;
    }
    const rest = takeEvents();
    if (rest) await this.emitter.emit(rest, contextId);
  }

  /** Non-singleton handlers: emit the events the handler produced, then return its result. */
  private async sendAndEmit<TResult>(invoker: HandlerInvoker, request: Request<TResult>): Promise<TResult> {
    const contextId = this.scopePerSend ? ContextIdFactory.create() : undefined;
    const { result, events } = await invoker.invoke(request, contextId);
    if (events) await this.emitter.emit(events, contextId);
    return result as TResult;
  }

  /** Why `send` found no handler: none is bound, or the request is a stream. */
  private noRequestHandler(requestType: Function): Error {
    if (this.registry.streamInvoker(requestType)) return new UnsupportedOperationException(STREAM_REQUEST_SENT(requestType.name));
    return new RequestHandlerNotFoundException(requestType.name);
  }
}
