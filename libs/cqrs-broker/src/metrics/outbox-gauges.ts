import type { Registry as PromRegistry, RegistryContentType } from 'prom-client';
import type { OutboxBacklog } from '../outbox/outbox.dialect.js';
import { loadPromClient } from './metrics.loader.js';
import { metricOnce } from './prometheus-metrics.js';

/** What {@link registerOutboxGauges} reads: `OutboxAdmin` has it. @publicApi */
export interface OutboxBacklogSource {
  backlog(): Promise<OutboxBacklog>;
}

/** Options of {@link registerOutboxGauges}. @publicApi */
export interface OutboxGaugesOptions {
  /** The prom-client registry. @default prom-client's global `register` */
  readonly registry?: PromRegistry<RegistryContentType>;
  /**
   * How long one read of the outbox's backlog serves scrapes, in ms. The read
   * counts the pending and dead rows through their indexes (cost follows the
   * backlog, not the table), and within this time scrapes share it
   * (concurrent scrapes share one query).
   * @default 15000
   */
  readonly cacheTtlMs?: number;
}

/**
 * Registers, once per registry, the outbox gauges `cqrs_broker_outbox_pending`,
 * `cqrs_broker_outbox_oldest_pending_age_seconds`, `cqrs_broker_outbox_dead`
 * and, when the outbox has a replication slot (`relay.source:
 * 'logical-replication'`), `cqrs_broker_outbox_replication_lag_bytes{slot}`,
 * read from `outbox.backlog()` (e.g. `OutboxAdmin`) at scrape time, at most once
 * per `cacheTtlMs`. Loads `prom-client` (an optional peer).
 * @publicApi
 */
export async function registerOutboxGauges(outbox: OutboxBacklogSource, options: OutboxGaugesOptions = {}): Promise<void> {
  const client = await loadPromClient('registerOutboxGauges');
  const registry = options.registry ?? client.register;
  const ttlMs = options.cacheTtlMs ?? 15_000;
  let cached: { readonly at: number; readonly stats: Promise<OutboxBacklog> } | undefined;
  const read = (): Promise<OutboxBacklog> => {
    const now = Date.now();
    if (!cached || now - cached.at >= ttlMs) {
      const stats = outbox.backlog();
      cached = { at: now, stats };
      stats.catch(() => {
        if (cached?.stats === stats) cached = undefined;
      });
    }
    return cached.stats;
  };
  const gauge = (name: string, help: string, value: (stats: OutboxBacklog) => number) =>
    metricOnce(registry, name, () =>
      new client.Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(value(await read()));
        },
      }),
    );
  gauge('cqrs_broker_outbox_pending', 'Outbox rows waiting to be published.', (s) => s.pending);
  gauge('cqrs_broker_outbox_oldest_pending_age_seconds', 'Age of the oldest pending outbox row, in seconds (0: none pending).', (s) => s.oldestPendingAgeMs / 1000);
  gauge('cqrs_broker_outbox_dead', 'Outbox rows that ran out of attempts (dead).', (s) => s.dead);
  metricOnce(registry, 'cqrs_broker_outbox_replication_lag_bytes', () =>
    new client.Gauge({
      name: 'cqrs_broker_outbox_replication_lag_bytes',
      help: "WAL written since the outbox replication slot's confirmed position, in bytes (logical-replication relay only).",
      labelNames: ['slot'] as const,
      registers: [registry],
      async collect() {
        const { replication } = await read();
        this.reset();
        if (replication) this.set({ slot: replication.slotName }, replication.lagBytes);
      },
    }),
  );
}
