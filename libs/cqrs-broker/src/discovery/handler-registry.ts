import { Inject, Injectable, Logger, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, ModuleRef, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { EVENT_HANDLER_METADATA } from '../events/handles-event.decorator.js';
import { getIntegrationEventContract } from '../events/integration-event.decorator.js';
import { IntegrationEventRegistry } from '../events/integration-event-registry.js';
import { NotificationEvent } from '../events/notification-event.js';
import type { Middleware, MiddlewareContext } from '../middleware/middleware.interface.js';
import { REQUEST_HANDLER_METADATA, type RequestHandlerMetadata } from '../requests/handles-request.decorator.js';
import { StreamRequest } from '../requests/stream-request.js';
import { DuplicateHandlerException } from '../errors/duplicate-handler.exception.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import {
  CHAIN_DECLARED_TWICE,
  CHAIN_INVALID,
  CHAIN_ORDER_CLASH,
  HANDLER_NOT_A_PROVIDER,
  SINGLETON_HANDLER_WITH_EVENTS,
  STREAM_REQUEST_CHAINED,
} from '../errors/messages.js';
import {
  chainInvoker,
  handlerInvoker,
  streamInvoker,
  type Handler,
  type HandlerInvoker,
  type HandlerRef,
  type StreamInvoker,
} from './handler-invoker.js';

/**
 * Finds request and event handlers at bootstrap (decorators through
 * DiscoveryService, plus the module's RequestMap/EventMap), checks the
 * bindings, and prepares one invoker per request, chain, stream and event
 * handler with its middleware chain, so the mediators only do a map lookup
 * and a call.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger('CqrsBroker');
  private readonly requestInvokers = new Map<Function, HandlerInvoker>();
  private readonly streamInvokers = new Map<Function, StreamInvoker>();
  private readonly eventInvokers = new Map<Function, HandlerInvoker[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    private readonly integrationEvents: IntegrationEventRegistry,
    @Inject(CQRS_BROKER_OPTIONS) private readonly options: CqrsBrokerModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const middlewares = await Promise.all(
      (this.options.middlewares ?? []).map((m) => (typeof m === 'function' ? this.moduleRef.create(m) : m)),
    );
    const wrappers = new Map<Function, InstanceWrapper>();
    for (const wrapper of this.discovery.getProviders()) {
      // Factory and value providers have no class to read metadata from.
      if (wrapper.metatype && !wrapper.inject && !wrappers.has(wrapper.metatype)) wrappers.set(wrapper.metatype, wrapper);
    }

    const requestBindings = new Map<Type<object>, Type<object>>();
    const bindRequest = (requestType: Type<object>, handlerType: Type<object>) => {
      const existing = requestBindings.get(requestType);
      if (existing && existing !== handlerType) throw new DuplicateHandlerException(requestType, existing, handlerType);
      requestBindings.set(requestType, handlerType);
    };
    const decoratedChains = new Map<Type<object>, { handlerType: Type<object>; order: number }[]>();
    const eventBindings = new Map<Type<object>, Set<Type<object>>>();
    const bindEvent = (eventType: Type<object>, handlerType: Type<object>) => {
      let handlers = eventBindings.get(eventType);
      if (!handlers) eventBindings.set(eventType, (handlers = new Set()));
      handlers.add(handlerType);
    };

    for (const metatype of wrappers.keys()) {
      const request: RequestHandlerMetadata | undefined = Reflect.getMetadata(REQUEST_HANDLER_METADATA, metatype);
      if (request?.order !== undefined) {
        if (!Number.isFinite(request.order)) {
          throw new InvalidOptionException(`@HandlesRequest(${request.requestType.name}).order of ${metatype.name}`, 'a finite number', request.order);
        }
        let links = decoratedChains.get(request.requestType);
        if (!links) decoratedChains.set(request.requestType, (links = []));
        links.push({ handlerType: metatype as Type<object>, order: request.order });
      } else if (request) {
        bindRequest(request.requestType, metatype as Type<object>);
      }
      const eventTypes: Type<object>[] | undefined = Reflect.getMetadata(EVENT_HANDLER_METADATA, metatype);
      for (const eventType of eventTypes ?? []) bindEvent(eventType, metatype as Type<object>);
    }
    for (const [requestType, handlerType] of this.options.requests?.entries() ?? []) bindRequest(requestType, handlerType);
    for (const [eventType, handlerTypes] of this.options.events?.entries() ?? []) {
      for (const handlerType of handlerTypes) bindEvent(eventType, handlerType);
    }
    const chains = this.chainBindings(requestBindings, decoratedChains);

    for (const [requestType, handlerType] of requestBindings) {
      const ref = this.refOf(handlerType, wrappers);
      if (requestType.prototype instanceof StreamRequest) {
        const context: MiddlewareContext = { kind: 'request', messageType: requestType, handlerType, stream: true };
        this.streamInvokers.set(requestType, streamInvoker(ref, middlewares, context));
      } else {
        const context: MiddlewareContext = { kind: 'request', messageType: requestType, handlerType };
        this.requestInvokers.set(requestType, handlerInvoker(ref, middlewares, context));
      }
    }
    for (const [requestType, handlerTypes] of chains) {
      const context: MiddlewareContext = { kind: 'request', messageType: requestType, handlerType: handlerTypes[0] };
      const links = handlerTypes.map((handlerType) => this.refOf(handlerType, wrappers));
      this.requestInvokers.set(requestType, chainInvoker(links, middlewares, context));
    }
    for (const [eventType, handlerTypes] of eventBindings) {
      if (eventType.prototype instanceof NotificationEvent && getIntegrationEventContract(eventType)) {
        this.integrationEvents.register(eventType as Type<NotificationEvent<any>>);
      }
      const invokers = [...handlerTypes].map((handlerType) =>
        handlerInvoker(this.refOf(handlerType, wrappers), middlewares, { kind: 'event', messageType: eventType, handlerType }),
      );
      this.eventInvokers.set(eventType, invokers);
    }
    for (const eventType of this.options.integrationEvents ?? []) this.integrationEvents.register(eventType);
    this.logger.log(
      `${this.requestInvokers.size} request handler(s) (${chains.size} chain(s)), ${this.streamInvokers.size} stream handler(s), ` +
        `${this.eventInvokers.size} handled event type(s)`,
    );
  }

  /** The handler (or chain) of a `Request` type. */
  requestInvoker(requestType: Function): HandlerInvoker | undefined {
    return this.requestInvokers.get(requestType);
  }

  /** The handler of a `StreamRequest` type. */
  streamInvoker(requestType: Function): StreamInvoker | undefined {
    return this.streamInvokers.get(requestType);
  }

  eventInvokersOf(eventType: Function): readonly HandlerInvoker[] {
    return this.eventInvokers.get(eventType) ?? NO_INVOKERS;
  }

  /**
   * Every chain, its handlers in order: those of `RequestMap.chain`, and those
   * decorated with `@HandlesRequest(X, { order })` sorted by order. A request
   * with one handler cannot also have a chain, nor a chain be declared in both
   * places.
   */
  private chainBindings(
    single: ReadonlyMap<Type<object>, Type<object>>,
    decorated: ReadonlyMap<Type<object>, readonly { handlerType: Type<object>; order: number }[]>,
  ): Map<Type<object>, readonly Type<object>[]> {
    const chains = new Map<Type<object>, readonly Type<object>[]>();
    for (const [requestType, links] of decorated) {
      const sorted = [...links].sort((a, b) => a.order - b.order);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].order === sorted[i - 1].order) {
          throw new ConfigurationException(
            CHAIN_ORDER_CLASH(requestType.name, sorted[i].order, sorted[i - 1].handlerType.name, sorted[i].handlerType.name),
          );
        }
      }
      chains.set(requestType, sorted.map((link) => link.handlerType));
    }
    for (const [requestType, handlerTypes] of this.options.requests?.chains() ?? []) {
      if (chains.has(requestType)) throw new ConfigurationException(CHAIN_DECLARED_TWICE(requestType.name));
      chains.set(requestType, handlerTypes);
    }
    for (const [requestType, handlerTypes] of chains) {
      const alone = single.get(requestType);
      if (alone) throw new DuplicateHandlerException(requestType, alone, handlerTypes[0] ?? alone);
      if (requestType.prototype instanceof StreamRequest) throw new ConfigurationException(STREAM_REQUEST_CHAINED(requestType.name));
      if (!handlerTypes.length) throw new ConfigurationException(CHAIN_INVALID(requestType.name, 'has no handlers'));
      const repeated = handlerTypes.find((handlerType, i) => handlerTypes.indexOf(handlerType) !== i);
      if (repeated) throw new ConfigurationException(CHAIN_INVALID(requestType.name, `lists ${repeated.name} twice: a handler is one link`));
    }
    return chains;
  }

  private refOf(handlerType: Type<object>, wrappers: Map<Function, InstanceWrapper>): HandlerRef {
    const wrapper = wrappers.get(handlerType);
    if (!wrapper) {
      throw new ConfigurationException(HANDLER_NOT_A_PROVIDER(handlerType.name));
    }
    const resolve = (contextId: ContextId) => this.moduleRef.resolve<object, Handler>(handlerType, contextId, { strict: false });
    if (wrapper.isDependencyTreeStatic() && !wrapper.isTransient) {
      const instance = wrapper.instance as Handler;
      if (Array.isArray(instance.events)) {
        throw new ConfigurationException(SINGLETON_HANDLER_WITH_EVENTS(handlerType.name));
      }
      return { handlerType, instance, resolve };
    }
    return { handlerType, resolve };
  }
}

const NO_INVOKERS: readonly HandlerInvoker[] = Object.freeze([]);
