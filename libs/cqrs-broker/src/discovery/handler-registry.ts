import { Inject, Injectable, Logger, type OnModuleInit, type Type } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from '../cqrs-broker-options.interface.js';
import { EVENT_HANDLER_METADATA } from '../events/handles-event.decorator.js';
import { getIntegrationEventContract } from '../events/integration-event.decorator.js';
import { IntegrationEventRegistry } from '../events/integration-event-registry.js';
import { NotificationEvent } from '../events/notification-event.js';
import { composeMiddleware } from '../middleware/middleware-chain.js';
import type { Middleware, MiddlewareContext, NextFunction } from '../middleware/middleware.interface.js';
import { REQUEST_HANDLER_METADATA } from '../requests/handles-request.decorator.js';
import { DuplicateHandlerException } from '../errors/duplicate-handler.exception.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { HANDLER_NOT_A_PROVIDER, SINGLETON_HANDLER_WITH_EVENTS } from '../errors/messages.js';

/** What one handler call returns to a mediator. */
export interface Invocation {
  readonly result: unknown;
  /** Events the handler exposed in `events` (only non-singleton handlers may). */
  readonly events: readonly object[] | undefined;
}

/** A handler with its middleware chain, ready to call. */
export interface HandlerInvoker {
  readonly handlerType: Type<object>;
  invoke(message: object): Promise<Invocation>;
  /**
   * Set for singleton handlers, which produce no events: the handler's result
   * alone, without the `Invocation` wrapper or an extra async frame (the hot
   * path of `RequestMediator.send`).
   */
  readonly call?: NextFunction;
}

interface Handler {
  handle(message: object): unknown;
  readonly events?: readonly object[];
}

/**
 * Finds request and event handlers at bootstrap (decorators through
 * DiscoveryService, plus the module's RequestMap/EventMap), checks the
 * bindings, and prepares one invoker per handler with its middleware chain,
 * so the mediators only do a map lookup and a call.
 */
@Injectable()
export class HandlerRegistry implements OnModuleInit {
  private readonly logger = new Logger('CqrsBroker');
  private readonly requestInvokers = new Map<Function, HandlerInvoker>();
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
    const eventBindings = new Map<Type<object>, Set<Type<object>>>();
    const bindEvent = (eventType: Type<object>, handlerType: Type<object>) => {
      let handlers = eventBindings.get(eventType);
      if (!handlers) eventBindings.set(eventType, (handlers = new Set()));
      handlers.add(handlerType);
    };

    for (const metatype of wrappers.keys()) {
      const requestType = Reflect.getMetadata(REQUEST_HANDLER_METADATA, metatype);
      if (requestType) bindRequest(requestType, metatype as Type<object>);
      const eventTypes: Type<object>[] | undefined = Reflect.getMetadata(EVENT_HANDLER_METADATA, metatype);
      for (const eventType of eventTypes ?? []) bindEvent(eventType, metatype as Type<object>);
    }
    for (const [requestType, handlerType] of this.options.requests?.entries() ?? []) bindRequest(requestType, handlerType);
    for (const [eventType, handlerTypes] of this.options.events?.entries() ?? []) {
      for (const handlerType of handlerTypes) bindEvent(eventType, handlerType);
    }

    for (const [requestType, handlerType] of requestBindings) {
      const context: MiddlewareContext = { kind: 'request', messageType: requestType, handlerType };
      this.requestInvokers.set(requestType, this.createInvoker(this.wrapperOf(handlerType, wrappers), middlewares, context));
    }
    for (const [eventType, handlerTypes] of eventBindings) {
      if (eventType.prototype instanceof NotificationEvent && getIntegrationEventContract(eventType)) {
        this.integrationEvents.register(eventType as Type<NotificationEvent<any>>);
      }
      const invokers = [...handlerTypes].map((handlerType) =>
        this.createInvoker(this.wrapperOf(handlerType, wrappers), middlewares, { kind: 'event', messageType: eventType, handlerType }),
      );
      this.eventInvokers.set(eventType, invokers);
    }
    for (const eventType of this.options.integrationEvents ?? []) this.integrationEvents.register(eventType);
    this.logger.log(`${this.requestInvokers.size} request handler(s), ${this.eventInvokers.size} handled event type(s)`);
  }

  requestInvoker(requestType: Function): HandlerInvoker | undefined {
    return this.requestInvokers.get(requestType);
  }

  eventInvokersOf(eventType: Function): readonly HandlerInvoker[] {
    return this.eventInvokers.get(eventType) ?? NO_INVOKERS;
  }

  private wrapperOf(handlerType: Type<object>, wrappers: Map<Function, InstanceWrapper>): InstanceWrapper {
    const wrapper = wrappers.get(handlerType);
    if (!wrapper) {
      throw new ConfigurationException(HANDLER_NOT_A_PROVIDER(handlerType.name));
    }
    return wrapper;
  }

  private createInvoker(wrapper: InstanceWrapper, middlewares: Middleware[], context: MiddlewareContext): HandlerInvoker {
    const handlerType = context.handlerType;
    if (wrapper.isDependencyTreeStatic() && !wrapper.isTransient) {
      const instance = wrapper.instance as Handler;
      if (Array.isArray(instance.events)) {
        throw new ConfigurationException(SINGLETON_HANDLER_WITH_EVENTS(handlerType.name));
      }
      // Not an async arrow: returning the handler's own promise saves the
      // microtask ticks an async wrapper spends adopting it.
      const handle: NextFunction = (message) => {
        try {
          return Promise.resolve(instance.handle(message));
        } catch (error) {
          return Promise.reject(error);
        }
      };
      const call = composeMiddleware(middlewares, context, handle);
      return { handlerType, call, invoke: async (message) => ({ result: await call(message), events: undefined }) };
    }
    // Request-scoped or transient: a fresh instance (and fresh `events`) per call.
    return {
      handlerType,
      invoke: async (message) => {
        const instance = await this.moduleRef.resolve<object, Handler>(handlerType, ContextIdFactory.create(), { strict: false });
        const call = composeMiddleware(middlewares, context, async (m) => instance.handle(m));
        const result = await call(message);
        return { result, events: instance.events?.length ? [...instance.events] : undefined };
      },
    };
  }
}

const NO_INVOKERS: readonly HandlerInvoker[] = Object.freeze([]);
