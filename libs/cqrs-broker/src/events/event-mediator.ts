import { Injectable } from '@nestjs/common';
import { HandlerRegistry } from '../discovery/handler-registry.js';
import { EventEmitter } from './event-emitter.js';

/**
 * Entry point for events coming from the bus: runs every handler bound to
 * the event's class (through the middleware chain) and then emits the events
 * they produced. Unlike the `EventEmitter`, it lets a handler's error
 * propagate, so the consumer can retry the message or dead-letter it.
 * @publicApi
 */
@Injectable()
export class EventMediator {
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly emitter: EventEmitter,
  ) {}

  /** Resolves once all handlers finished; returns how many handlers ran. */
  async send(event: object): Promise<number> {
    const invokers = this.registry.eventInvokersOf(event.constructor);
    let produced: object[] | undefined;
    for (const invoker of invokers) {
      const { events } = await invoker.invoke(event);
      if (events) (produced ??= []).push(...events);
    }
    if (produced) await this.emitter.emit(produced);
    return invokers.length;
  }
}
