import { Controller, type DynamicModule, Get, Header, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerOutboxGauges } from 'nestjs-cqrs-broker';
import { OutboxAdmin } from 'nestjs-cqrs-broker/outbox';

/** `GET /metrics`: the app's registry in Prometheus's text format. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Registry) private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

const OUTBOX_GAUGES = Symbol('sample metrics: outbox gauges');

class OutboxGauges implements OnApplicationBootstrap {
  constructor(
    private readonly registry: Registry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return registerOutboxGauges(this.moduleRef.get(OutboxAdmin, { strict: false }), { registry: this.registry });
  }
}

/**
 * The samples' metrics: one prom-client `Registry` per app (made by the
 * caller, also handed to `CqrsBrokerModule`'s `metrics` option), Node's
 * default process metrics on it, `GET /metrics`, and with `outbox` the
 * outbox gauges (`registerOutboxGauges`, stats cached 15 s).
 */
@Module({})
export class SampleMetricsModule {
  static forRoot(registry: Registry, options: { readonly outbox: boolean }): DynamicModule {
    collectDefaultMetrics({ register: registry });
    return {
      module: SampleMetricsModule,
      controllers: [MetricsController],
      providers: [
        { provide: Registry, useValue: registry },
        ...(options.outbox ? [{ provide: OUTBOX_GAUGES, inject: [Registry, ModuleRef], useFactory: (r: Registry, m: ModuleRef) => new OutboxGauges(r, m) }] : []),
      ],
    };
  }
}
