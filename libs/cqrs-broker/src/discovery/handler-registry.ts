import { Inject, Injectable, Logger, Optional, type OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { CQRS_BROKER_OPTIONS } from '../cqrs-broker.module-definition.js';
import { CQRS_TRACING, type CqrsTracing } from '../tracing/cqrs-tracing.js';
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
  FALLBACK_DECLARED_TWICE,
  FALLBACK_OF_ITSELF,
  FALLBACK_ON_CHAIN,
  FALLBACK_ON_STREAM,
  HANDLER_NOT_A_PROVIDER,
  SINGLETON_HANDLER_WITH_EVENTS,
  STREAM_REQUEST_CHAINED,
} from '../errors/messages.js';
import { CircuitBreakers } from '../circuit-breaker/circuit-breakers.js';
import { resolveCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker-options.interface.js';
import { loadCockatiel, type Cockatiel } from '../circuit-breaker/cockatiel.loader.js';
import { FALLBACK_METADATA, type FallbackOptions } from '../fallback/fallback-options.interface.js';
import { errorFilter, fallbackGuard, guardedRef } from '../fallback/guarded-handler.js';
import {
  chainInvoker,
  handlerInvoker,
  streamInvoker,
  type Handler,
  type HandlerInvoker,
  type HandlerRef,
  type StreamInvoker,
} from './handler-invoker.js';
import { enhancedRef, hasEnhancers } from './event-handler-enhancers.js';

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
  /** Handlers with a fallback, as one guarded handler each (built once, so one breaker per handler class). */
  private guarded = new Map<Function, HandlerRef>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    private readonly integrationEvents: IntegrationEventRegistry,
    private readonly circuitBreakers: CircuitBreakers,
    @Inject(CQRS_BROKER_OPTIONS) private readonly options: CqrsBrokerModuleOptions,
    @Optional() @Inject(CQRS_TRACING) private readonly tracing: CqrsTracing | null = null,
    @Optional() @Inject(ExternalContextCreator) private readonly externalContexts: ExternalContextCreator | null = null,
  ) {}

  async onModuleInit(): Promise<void> {
    const middlewares = await Promise.all(
      (this.options.middlewares ?? []).map((m) => (typeof m === 'function' ? this.moduleRef.create(m) : m)),
    );
    // Tracing: a span around each handler's own call, inside the app's middlewares.
    if (this.tracing) middlewares.push(this.tracing.handlerMiddleware);
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

    const fallbacks = new Map<Type<object>, FallbackDeclaration>();
    const declareFallback = (handlerType: Type<object>, options: FallbackOptions, label: string) => {
      const existing = fallbacks.get(handlerType);
      if (existing && existing.options !== options) throw new ConfigurationException(FALLBACK_DECLARED_TWICE(handlerType.name));
      fallbacks.set(handlerType, { options, label });
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
      const fallback: FallbackOptions | undefined = (request || eventTypes) && Reflect.getMetadata(FALLBACK_METADATA, metatype);
      if (fallback) {
        const label = request ? `@HandlesRequest(${request.requestType.name}) of ${metatype.name}` : `@HandlesEvent of ${metatype.name}`;
        declareFallback(metatype as Type<object>, fallback, label);
      }
    }
    for (const [requestType, handlerType] of this.options.requests?.entries() ?? []) bindRequest(requestType, handlerType);
    for (const [eventType, handlerTypes] of this.options.events?.entries() ?? []) {
      for (const handlerType of handlerTypes) bindEvent(eventType, handlerType);
    }
    for (const [handlerType, fallback] of this.options.requests?.fallbacks() ?? []) declareFallback(handlerType, fallback, `RequestMap binding of ${handlerType.name}`);
    for (const [handlerType, fallback] of this.options.events?.fallbacks() ?? []) declareFallback(handlerType, fallback, `EventMap binding of ${handlerType.name}`);
    const chains = this.chainBindings(requestBindings, decoratedChains);
    for (const [requestType, handlerTypes] of chains) {
      const guarded = handlerTypes.find((handlerType) => fallbacks.has(handlerType));
      if (guarded) throw new ConfigurationException(FALLBACK_ON_CHAIN(guarded.name, requestType.name));
    }
    for (const [requestType, handlerType] of requestBindings) {
      if (fallbacks.has(handlerType) && requestType.prototype instanceof StreamRequest) {
        throw new ConfigurationException(FALLBACK_ON_STREAM(handlerType.name, requestType.name));
      }
    }
    this.guarded = await this.guardedRefs(fallbacks, wrappers);

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
      const links = handlerTypes.map((handlerType) => this.rawRefOf(handlerType, wrappers));
      this.requestInvokers.set(requestType, chainInvoker(links, middlewares, context));
    }
    for (const [eventType, handlerTypes] of eventBindings) {
      if (eventType.prototype instanceof NotificationEvent && getIntegrationEventContract(eventType)) {
        this.integrationEvents.register(eventType as Type<NotificationEvent<any>>);
      }
      const invokers = [...handlerTypes].map((handlerType) =>
        handlerInvoker(this.eventHandlerRef(handlerType, wrappers), middlewares, { kind: 'event', messageType: eventType, handlerType }),
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

  /**
   * One guarded ref per handler class with a fallback: the handler, its
   * fallback, and a circuit breaker when declared (cockatiel is loaded only
   * then).
   */
  private async guardedRefs(
    fallbacks: ReadonlyMap<Type<object>, FallbackDeclaration>,
    wrappers: Map<Function, InstanceWrapper>,
  ): Promise<Map<Function, HandlerRef>> {
    const refs = new Map<Function, HandlerRef>();
    let cockatiel: Cockatiel | undefined;
    for (const [handlerType, { options, label }] of fallbacks) {
      if (typeof options.handler !== 'function') throw new InvalidOptionException(`${label}: fallback.handler`, 'a handler class', options.handler);
      if (options.handler === handlerType) throw new ConfigurationException(FALLBACK_OF_ITSELF(handlerType.name));
      const on = options.on ?? [];
      if (!Array.isArray(on) || on.some((errorClass) => typeof errorClass !== 'function')) {
        throw new InvalidOptionException(`${label}: fallback.on`, 'an array of error classes', on);
      }
      const matches = errorFilter(on);
      let breaker;
      if (options.breaker) {
        const breakerOptions = resolveCircuitBreakerOptions(options.breaker, `${label}: fallback.breaker`);
        cockatiel ??= await loadCockatiel(label);
        breaker = this.circuitBreakers.create(cockatiel, { name: handlerType.name, options: breakerOptions, counts: matches, whileOpen: options.handler.name });
      }
      const guard = fallbackGuard({ handler: handlerType.name, fallback: options.handler.name }, matches, breaker, this.logger);
      if (hasEnhancers(options.handler as Type<object>)) {
        this.logger.warn(`${options.handler.name} (fallback of ${handlerType.name}) has guards, interceptors or filters of its own: they are not applied; those of ${handlerType.name} run around the pair`);
      }
      refs.set(handlerType, guardedRef(this.rawRefOf(handlerType, wrappers), this.rawRefOf(options.handler as Type<object>, wrappers), guard));
    }
    return refs;
  }

  /**
   * An event handler as the invokers call it: with `@UseGuards`,
   * `@UseInterceptors` or `@UseFilters` on it, wrapped once by Nest's
   * `ExternalContextCreator` (inside the middleware chain); without, the
   * handler itself (no extra call on the fast path).
   */
  private eventHandlerRef(handlerType: Type<object>, wrappers: Map<Function, InstanceWrapper>): HandlerRef {
    const ref = this.refOf(handlerType, wrappers);
    if (!this.externalContexts || !hasEnhancers(handlerType)) return ref;
    // With a fallback, the handler's enhancers run around the handler and its fallback together.
    return enhancedRef(ref, this.externalContexts);
  }

  /** A handler as the invokers call it: guarded by its fallback when it has one. */
  private refOf(handlerType: Type<object>, wrappers: Map<Function, InstanceWrapper>): HandlerRef {
    return this.guarded.get(handlerType) ?? this.rawRefOf(handlerType, wrappers);
  }

  private rawRefOf(handlerType: Type<object>, wrappers: Map<Function, InstanceWrapper>): HandlerRef {
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

/** A fallback as declared, with where (for error messages). */
interface FallbackDeclaration {
  readonly options: FallbackOptions;
  readonly label: string;
}
