import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CircuitBreakers } from './circuit-breaker/circuit-breakers.js';
import { InMemoryMessageBroker } from './brokers/in-memory-message-broker.js';
import { MESSAGE_BROKER, type MessageBroker } from './brokers/message-broker.interface.js';
import { CQRS_BROKER_OPTIONS, CQRS_BROKER_OPTIONS_TYPE, CqrsBrokerConfigurableModule } from './cqrs-broker.module-definition.js';
import type { CqrsBrokerModuleOptions } from './cqrs-broker-options.interface.js';
import { HandlerRegistry } from './discovery/handler-registry.js';
import { EventEmitter } from './events/event-emitter.js';
import { EventMediator } from './events/event-mediator.js';
import { EventSerializer } from './events/event-serializer.js';
import { IntegrationEventRegistry } from './events/integration-event-registry.js';
import { RequestMediator } from './requests/request-mediator.js';
import { CQRS_TRACING, type CqrsTracing } from './tracing/cqrs-tracing.js';
import { loadOpenTelemetryApi } from './tracing/otel.loader.js';
import { OtelTracing } from './tracing/otel-tracing.js';
import { registerCircuitBreakerGauge } from './metrics/circuit-breaker-gauge.js';
import { CombinedInstrumentation } from './metrics/combined-instrumentation.js';
import { loadPromClient } from './metrics/metrics.loader.js';
import { PrometheusMetrics } from './metrics/prometheus-metrics.js';

async function metricsRegistry(option: true | { readonly registry?: object }) {
  const client = await loadPromClient("CqrsBrokerModule's metrics option");
  const registry = option === true || !option.registry ? client.register : (option.registry as InstanceType<typeof client.Registry>);
  return { client, registry };
}

async function createMetrics(option: true | { readonly registry?: object }): Promise<PrometheusMetrics> {
  const { client, registry } = await metricsRegistry(option);
  return new PrometheusMetrics(client, registry);
}

/** The provider that reports the app's circuit breakers on the `metrics` registry, until the app shuts down. */
const CIRCUIT_BREAKER_GAUGE = Symbol('cqrs-broker:circuit-breaker-gauge');

/**
 * Wires the mediators, the event emitter and the message broker into Nest DI.
 * Global by default: import it once in the root module.
 *
 * @example
 * \@Module({
 *   imports: [CqrsBrokerModule.forRoot({ middlewares: [LoggingMiddleware, ValidationMiddleware] })],
 *   providers: [JoinMeetingCommandHandler],
 * })
 * export class AppModule {}
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: MESSAGE_BROKER,
      inject: [CQRS_BROKER_OPTIONS],
      useFactory: (options: CqrsBrokerModuleOptions): MessageBroker => options.broker ?? new InMemoryMessageBroker(),
    },
    {
      // Resolved once: null (tracing off) keeps every hot path as it is.
      provide: CQRS_TRACING,
      inject: [CQRS_BROKER_OPTIONS],
      useFactory: async (options: CqrsBrokerModuleOptions): Promise<CqrsTracing | null> => {
        const tracing = options.tracing ? new OtelTracing(await loadOpenTelemetryApi()) : null;
        const metrics = options.metrics ? await createMetrics(options.metrics) : null;
        return tracing && metrics ? new CombinedInstrumentation(tracing, metrics) : (tracing ?? metrics);
      },
    },
    {
      provide: CIRCUIT_BREAKER_GAUGE,
      inject: [CQRS_BROKER_OPTIONS, CircuitBreakers],
      useFactory: async (options: CqrsBrokerModuleOptions, breakers: CircuitBreakers): Promise<OnApplicationShutdown | null> => {
        if (!options.metrics) return null;
        const { client, registry } = await metricsRegistry(options.metrics);
        const stop = registerCircuitBreakerGauge(client, registry, breakers);
        return { onApplicationShutdown: stop };
      },
    },
    IntegrationEventRegistry,
    EventSerializer,
    CircuitBreakers,
    HandlerRegistry,
    EventEmitter,
    RequestMediator,
    EventMediator,
  ],
  exports: [MESSAGE_BROKER, CQRS_TRACING, IntegrationEventRegistry, EventSerializer, EventEmitter, RequestMediator, EventMediator, CircuitBreakers],
})
export class CqrsBrokerModule extends CqrsBrokerConfigurableModule implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BROKER) private readonly broker: MessageBroker) {
    super();
  }

  /** Registers the module; every option has a default, so `forRoot()` alone gives the in-memory setup. */
  static override forRoot(options: typeof CQRS_BROKER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close?.();
  }
}
