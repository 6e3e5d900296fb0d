// cqrs_broker_circuit_breaker_state with CqrsBrokerModule's `metrics` option: a breaker shows from bootstrap (closed, 0),
// opens after its failures (2), turns half-open while the call after halfOpenAfterMs tries the handler again (1), and
// closes when that call succeeds (0); an app that shuts down leaves no series.
import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { CqrsBrokerModule, HandlesRequest, Request, RequestMediator, type RequestHandler } from 'nestjs-cqrs-broker';
import { eventually, gate } from '../brokers/support/services.js';

class ReadStock extends Request<string> {}

@Injectable()
class ReadStockFromCache implements RequestHandler<ReadStock> {
  handle(): string {
    return 'cached';
  }
}

/** How the primary handler answers its next calls. */
const primary: { fails: boolean; held?: Promise<void> } = { fails: false };

@HandlesRequest(ReadStock, { fallback: { handler: ReadStockFromCache, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 } } })
@Injectable()
class ReadStockFromWarehouse implements RequestHandler<ReadStock> {
  async handle(): Promise<string> {
    if (primary.fails) throw new Error('warehouse down');
    await primary.held;
    return 'fresh';
  }
}

/** The gauge's samples, breaker → value. */
async function breakerStates(registry: Registry): Promise<Map<string, number>> {
  const metric = await registry.getSingleMetric('cqrs_broker_circuit_breaker_state')?.get();
  if (!metric) throw new Error('no metric cqrs_broker_circuit_breaker_state');
  return new Map(metric.values.map((sample) => [String(sample.labels.breaker), sample.value]));
}

async function boot(registry: Registry | undefined) {
  @Module({ imports: [CqrsBrokerModule.forRoot({ metrics: registry ? { registry } : false })], providers: [ReadStockFromWarehouse, ReadStockFromCache] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
  return app.init();
}

describe('cqrs_broker_circuit_breaker_state', () => {
  beforeEach(() => {
    primary.fails = false;
    primary.held = undefined;
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it('goes 0 (closed) → 2 (open) → 1 (half-open, the trial call in progress) → 0 (closed), and says so in its help', async () => {
    const registry = new Registry();
    const app = await boot(registry);
    try {
      const mediator = app.get(RequestMediator);
      expect(await breakerStates(registry)).toEqual(new Map([['ReadStockFromWarehouse', 0]]));

      primary.fails = true;
      for (let i = 0; i < 2; i++) await expect(mediator.send(new ReadStock())).resolves.toBe('cached');
      expect(await breakerStates(registry)).toEqual(new Map([['ReadStockFromWarehouse', 2]]));

      primary.fails = false;
      const held = gate();
      primary.held = held.promise;
      await new Promise((resolve) => setTimeout(resolve, 150)); // past halfOpenAfterMs
      const trial = mediator.send(new ReadStock());
      await eventually(async () => (await breakerStates(registry)).get('ReadStockFromWarehouse') === 1, 'the gauge read 1 during the trial call', 5_000);

      held.open();
      await expect(trial).resolves.toBe('fresh');
      expect(await breakerStates(registry)).toEqual(new Map([['ReadStockFromWarehouse', 0]]));
      expect(await registry.metrics()).toContain('# HELP cqrs_broker_circuit_breaker_state Circuit breaker state by breaker (the guarded handler\'s class name): 0 closed, 1 half-open, 2 open.');
    } finally {
      await app.close();
    }
    expect(await breakerStates(registry)).toEqual(new Map());
  });

  it('two apps on one registry share the gauge; each reports its own breakers until it shuts down', async () => {
    const registry = new Registry();
    const first = await boot(registry);
    const second = await boot(registry);
    let secondOpen = true;
    try {
      expect(registry.getMetricsAsArray().filter((m) => m.name === 'cqrs_broker_circuit_breaker_state')).toHaveLength(1);
      primary.fails = true;
      for (let i = 0; i < 2; i++) await second.get(RequestMediator).send(new ReadStock());
      expect(await breakerStates(registry)).toEqual(new Map([['ReadStockFromWarehouse', 2]]));
      await second.close();
      secondOpen = false;
      // Only the first app's breaker is left, closed.
      expect(await breakerStates(registry)).toEqual(new Map([['ReadStockFromWarehouse', 0]]));
    } finally {
      await first.close();
      if (secondOpen) await second.close();
    }
  });

  it('is not registered with metrics off', async () => {
    const app = await boot(undefined);
    try {
      const global = (await import('prom-client')).register;
      expect(global.getSingleMetric('cqrs_broker_circuit_breaker_state')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
