// CqrsBrokerModule's `metrics` option on a real prom-client registry: the values after a known amount of traffic
// (requests that succeed and fail, event handlers, consumed messages handled, retried, dead-lettered, duplicate and
// skipped, outbox writes, relay publishes and failures) and the outbox gauges, read through a TTL cache.
import { Injectable, Module, Scope, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsString } from 'class-validator';
import { Registry } from 'prom-client';
import {
  CqrsBrokerModule,
  DomainEvent,
  EventConsumerModule,
  EventConsumerPipeline,
  HandlesEvent,
  HandlesRequest,
  IntegrationEvent,
  MESSAGE_BROKER,
  NotificationEvent,
  Request,
  RequestMediator,
  registerOutboxGauges,
  type EventHandler,
  type OutboxBacklogSource,
  type RequestHandler,
} from 'nestjs-cqrs-broker';
import { createInboxEntity, Inbox, InboxModule } from 'nestjs-cqrs-broker/inbox';
import { createOutboxEntity, OutboxAdmin, OutboxModule, OutboxTransaction } from 'nestjs-cqrs-broker/outbox';
import { deliver, drainOutbox, failPublishes, RecordingMessageBroker } from 'nestjs-cqrs-broker/testing';
import { DataSource } from 'typeorm';

class PlaceOrder extends Request<string> {
  constructor(readonly fail = false) {
    super();
  }
}
class OrderPlaced extends DomainEvent {}

@HandlesRequest(PlaceOrder)
@Injectable({ scope: Scope.TRANSIENT })
class PlaceOrderHandler implements RequestHandler<PlaceOrder> {
  readonly events: DomainEvent[] = [];
  async handle(request: PlaceOrder): Promise<string> {
    if (request.fail) throw new Error('refused');
    this.events.push(new OrderPlaced());
    return 'placed';
  }
}

@HandlesEvent(OrderPlaced)
@Injectable()
class OrderPlacedHandler implements EventHandler<OrderPlaced> {
  async handle(): Promise<void> {}
}

class ParcelPayload {
  @IsString() parcelId!: string;
  @IsString() behaviour!: string;
}
@IntegrationEvent({ name: 'parcel_shipped', topic: 'parcels', payload: ParcelPayload })
class ParcelShipped extends NotificationEvent<ParcelPayload> {}

const failuresOf = new Map<string, number>();

@HandlesEvent(ParcelShipped)
@Injectable()
class ParcelShippedHandler implements EventHandler<ParcelShipped> {
  constructor(private readonly inbox: Inbox) {}
  async handle(event: ParcelShipped): Promise<void> {
    const { parcelId, behaviour } = event.payload;
    const failed = failuresOf.get(parcelId) ?? 0;
    if (behaviour === 'fail-once' && failed < 1) {
      failuresOf.set(parcelId, failed + 1);
      throw new Error('flaky');
    }
    if (behaviour === 'always-fail') throw new Error('broken');
    await this.inbox.transaction(event, async () => undefined);
  }
}

const parcel = (parcelId: string, behaviour = 'ok') => new ParcelShipped({ payload: { parcelId, behaviour }, key: parcelId });
/** The value of one sample: `name` is a metric, or a histogram's `<metric>_count`. */
const valueOf = async (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metricName = registry.getSingleMetric(name) ? name : name.replace(/_count$/, '');
  const metric = await registry.getSingleMetric(metricName)?.get();
  if (!metric) throw new Error(`no metric ${name}`);
  const samples = metric.values.filter((v) => (v as { metricName?: string }).metricName === undefined || (v as { metricName?: string }).metricName === name);
  const found = samples.find((v) => Object.keys(v.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
};

describe('metrics through prom-client (CqrsBrokerModule metrics option)', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [createInboxEntity()], synchronize: true }).initialize();
  });
  afterAll(() => dataSource?.destroy());

  const boot = async (registry: Registry | undefined): Promise<INestApplicationContext> => {
    @Module({
      imports: [
        CqrsBrokerModule.forRoot({ metrics: registry ? { registry } : false }),
        InboxModule.forRoot({ dataSource }),
        EventConsumerModule.forRoot({ name: 'parcels', retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 } }),
      ],
      providers: [PlaceOrderHandler, OrderPlacedHandler, ParcelShippedHandler],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    return app.init();
  };

  it('counts requests by outcome with their durations, and event handler calls', async () => {
    const registry = new Registry();
    const app = await boot(registry);
    try {
      const mediator = app.get(RequestMediator);
      for (let i = 0; i < 3; i++) await mediator.send(new PlaceOrder());
      for (let i = 0; i < 2; i++) await expect(mediator.send(new PlaceOrder(true))).rejects.toThrow('refused');
      expect(await valueOf(registry, 'cqrs_broker_requests_total', { request: 'PlaceOrder', outcome: 'success' })).toBe(3);
      expect(await valueOf(registry, 'cqrs_broker_requests_total', { request: 'PlaceOrder', outcome: 'error' })).toBe(2);
      expect(await valueOf(registry, 'cqrs_broker_request_duration_seconds_count', { request: 'PlaceOrder' })).toBe(5);
      expect(await valueOf(registry, 'cqrs_broker_events_handled_total', { event: 'OrderPlaced', outcome: 'success' })).toBe(3);
      const text = await registry.metrics();
      expect(text).toContain('# TYPE cqrs_broker_request_duration_seconds histogram');
    } finally {
      await app.close();
    }
  });

  it('counts consumed messages: handled, retried, dead_lettered, duplicate and skipped', async () => {
    const registry = new Registry();
    const app = await boot(registry);
    try {
      const run = crypto.randomUUID();
      const statuses = [
        ...(await deliver(app, parcel(`${run}-ok-1`))),
        ...(await deliver(app, parcel(`${run}-ok-2`))),
        ...(await deliver(app, parcel(`${run}-flaky`, 'fail-once'))), // handled on attempt 2: one retry
        ...(await deliver(app, parcel(`${run}-broken`, 'always-fail'))), // 3 attempts, then dead-lettered: two retries
        ...(await deliver(app, parcel(`${run}-twice`), { times: 2 })), // the inbox has it the second time
      ].map((o) => o.status);
      const unknown = Buffer.from(JSON.stringify({ event_id: crypto.randomUUID(), event_name: 'parcel_lost', event_timestamp: '2026-11-29T21:50:08.854936', topic: 'parcels', payload: {} }));
      statuses.push((await app.get(EventConsumerPipeline).consume({ topic: 'parcels', body: unknown, headers: {} })).status);
      expect(statuses).toEqual(['handled', 'handled', 'handled', 'dead-letter', 'handled', 'handled', 'skipped']);
      const consumer = (outcome: string) => valueOf(registry, 'cqrs_broker_consumer_messages_total', { consumer: 'parcels', outcome });
      expect(await consumer('handled')).toBe(4);
      expect(await consumer('duplicate')).toBe(1);
      expect(await consumer('retried')).toBe(3);
      expect(await consumer('dead_lettered')).toBe(1);
      expect(await consumer('skipped')).toBe(1);
      expect(await valueOf(registry, 'cqrs_broker_events_handled_total', { event: 'ParcelShipped', outcome: 'success' })).toBe(5);
      // 1 failed attempt of the flaky one, 3 of the broken one.
      expect(await valueOf(registry, 'cqrs_broker_events_handled_total', { event: 'ParcelShipped', outcome: 'error' })).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('registers each metric once per registry: a second app on the same registry adds to the same series', async () => {
    const registry = new Registry();
    const first = await boot(registry);
    const second = await boot(registry);
    try {
      await first.get(RequestMediator).send(new PlaceOrder());
      await second.get(RequestMediator).send(new PlaceOrder());
      expect(await valueOf(registry, 'cqrs_broker_requests_total', { request: 'PlaceOrder', outcome: 'success' })).toBe(2);
      expect(registry.getMetricsAsArray().filter((m) => m.name === 'cqrs_broker_requests_total')).toHaveLength(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('counts with tracing on too (both fill the one instrumentation point, no SDK registered)', async () => {
    const registry = new Registry();
    @Module({ imports: [CqrsBrokerModule.forRoot({ tracing: true, metrics: { registry } })], providers: [PlaceOrderHandler, OrderPlacedHandler] })
    class TracedModule {}
    const app = await NestFactory.createApplicationContext(TracedModule, { logger: false, abortOnError: false });
    try {
      await app.init();
      expect(await app.get(RequestMediator).send(new PlaceOrder())).toBe('placed');
      expect(await valueOf(registry, 'cqrs_broker_requests_total', { request: 'PlaceOrder', outcome: 'success' })).toBe(1);
      expect(await valueOf(registry, 'cqrs_broker_events_handled_total', { event: 'OrderPlaced', outcome: 'success' })).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('registers nothing with metrics off', async () => {
    const app = await boot(undefined);
    const global = (await import('prom-client')).register;
    try {
      await app.get(RequestMediator).send(new PlaceOrder());
      expect(global.getSingleMetric('cqrs_broker_requests_total')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('outbox and relay metrics (SQLite outbox, recording broker)', () => {
  let moduleRef: TestingModule;
  const registry = new Registry();
  const broker = new RecordingMessageBroker();
  const write = (...parcelIds: string[]) =>
    moduleRef.get(OutboxTransaction).run(async ({ add }) => {
      for (const parcelId of parcelIds) add(parcel(parcelId));
    });

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [createOutboxEntity({ databaseType: 'better-sqlite3' })], synchronize: true }),
        CqrsBrokerModule.forRoot({ broker, metrics: { registry } }),
        OutboxModule.forRoot({ relay: { enabled: false, retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } } }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    await registerOutboxGauges(moduleRef.get(OutboxAdmin), { registry, cacheTtlMs: 0 });
  });
  afterAll(() => moduleRef?.close());

  it('counts rows written, messages published by topic, failed publishes, batch durations; the gauges read pending and dead rows', async () => {
    await write('p-1', 'p-2', 'p-3');
    expect(await valueOf(registry, 'cqrs_broker_outbox_written_total')).toBe(3);
    expect(await valueOf(registry, 'cqrs_broker_outbox_pending')).toBe(3);
    expect(await valueOf(registry, 'cqrs_broker_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect((await drainOutbox(moduleRef)).map((m) => m.key)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(await valueOf(registry, 'cqrs_broker_relay_published_total', { topic: 'parcels' })).toBe(3);
    expect(await valueOf(registry, 'cqrs_broker_outbox_pending')).toBe(0);

    const fault = failPublishes(moduleRef.get(MESSAGE_BROKER), { times: 1_000 });
    try {
      await write('d-1');
      await drainOutbox(moduleRef, { allowDead: true });
    } finally {
      fault.restore();
    }
    expect(await valueOf(registry, 'cqrs_broker_relay_failures_total')).toBe(2); // two attempts of one message
    expect(await valueOf(registry, 'cqrs_broker_outbox_dead')).toBe(1);
    expect(await valueOf(registry, 'cqrs_broker_relay_published_total', { topic: 'parcels' })).toBe(3);
    expect(await valueOf(registry, 'cqrs_broker_relay_batch_duration_seconds_count')).toBe(3); // one batch, then two failed
  });

  it('reads the outbox once per cacheTtlMs however often it is scraped', async () => {
    let reads = 0;
    const source: OutboxBacklogSource = { backlog: async () => ({ pending: ++reads, dead: 0, oldestPendingAgeMs: 1500 }) };
    const own = new Registry();
    await registerOutboxGauges(source, { registry: own, cacheTtlMs: 60_000 });
    for (let i = 0; i < 5; i++) await own.metrics();
    expect(reads).toBe(1);
    expect(await valueOf(own, 'cqrs_broker_outbox_pending')).toBe(1);
    expect(await valueOf(own, 'cqrs_broker_outbox_oldest_pending_age_seconds')).toBe(1.5);
  });
});
