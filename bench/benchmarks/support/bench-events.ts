// The events every throughput benchmark moves: python-cqrs JSON of about 300
// bytes with the usual headers. Backlogs are seeded in SQL from the same
// template the raw-client sides use, so every side sends the same bytes.
import { randomBytes } from 'node:crypto';
import type { BrokerMessage } from 'nestjs-cqrs-broker';

export const BENCH_EVENT_NAME = 'order_placed';
/** The placeholder replaced by the event's sequence number. */
const N = '#';

/** A run-unique prefix for table, topic, queue and event-id names: runs never meet. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export interface EventTemplate {
  readonly topic: string;
  readonly eventIdPrefix: string;
  /** Body JSON with `#` where the sequence number goes. */
  readonly body: string;
  /** Headers JSON with `#` where the sequence number goes. */
  readonly headers: string;
}

export function eventTemplate(topic: string): EventTemplate {
  const eventIdPrefix = `${uniqueName('evt')}-`;
  const body = JSON.stringify({
    event_id: `${eventIdPrefix}${N}`,
    event_timestamp: '2026-11-27T12:11:35.103Z',
    event_name: BENCH_EVENT_NAME,
    topic,
    payload: { orderId: `order-${N}`, customerId: 'customer-42', amount: '129.90', currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-7', quantity: 1 }] },
  });
  const headers = JSON.stringify({
    'event-id': `${eventIdPrefix}${N}`,
    'event-name': BENCH_EVENT_NAME,
    'content-type': 'application/json',
    'correlation-id': `corr-${N}`,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  return { topic, eventIdPrefix, body, headers };
}

/** The message the relay would build from row `n` of a backlog seeded from `template`. */
export function benchMessage(template: EventTemplate, n: number): BrokerMessage {
  const seq = String(n);
  return {
    topic: template.topic,
    key: `order-${n % 1000}`,
    eventId: `${template.eventIdPrefix}${seq}`,
    eventName: BENCH_EVENT_NAME,
    body: Buffer.from(template.body.replaceAll(N, seq)),
    headers: JSON.parse(template.headers.replaceAll(N, seq)),
  };
}
