import { Inject, Injectable } from '@nestjs/common';
import { ContextIdFactory } from '@nestjs/core';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
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
  private readonly scopePerSend: boolean;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly emitter: EventEmitter,
    @Inject(CQRS_BROKER_OPTIONS) options: CqrsBrokerModuleOptions,
  ) {
    this.scopePerSend = options.scopePerSend ?? false;
  }

  /** Resolves once all handlers finished; returns how many handlers ran. */
  async send(event: object): Promise<number> {
    const invokers = this.registry.eventInvokersOf(event.constructor);
    // With scopePerSend, this event's handlers and those of the events they produce share one DI sub-tree.
    const contextId = this.scopePerSend && invokers.length ? ContextIdFactory.create() : undefined;
    let produced: object[] | undefined;
    for (const invoker of invokers) {
      const { events } = await invoker.invoke(event, contextId);
      if (events) (produced ??= []).push(...events);
    }
    if (produced) await this.emitter.emit(produced, contextId);
    return invokers.length;
  }
}
