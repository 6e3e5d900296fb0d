import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { BrokerConsumerStatus } from '../consumers/transport/broker-event-consumer.server.js';
import { down, up, type CqrsHealthResult } from './health-result.js';

/** What the indicator reads of a consumer transport: its `status` (every `BrokerEventConsumer` has it). @publicApi */
export interface HealthCheckedConsumer {
  readonly status: Observable<BrokerConsumerStatus>;
}

/**
 * A consumer transport (`KafkaEventConsumer`, `AmqpEventConsumer`,
 * `InMemoryEventConsumer`, the strategy given to `connectMicroservice`), from
 * its last `status`.
 *
 * - {@link isReady} (readiness): up only while `connected` (started, joined
 *   and consuming); down while `connecting`, `disconnected` (the client is
 *   reconnecting) or `closed`.
 * - {@link isAlive} (liveness): down only when `closed`, a consumer that will
 *   not come back by itself; a broker outage leaves it up, since a restart
 *   would not help.
 *
 * Details: `consumer` (its status; `not-started` before `listen`).
 * @publicApi
 */
@Injectable()
export class ConsumerHealthIndicator {
  isReady<Key extends string>(key: Key, consumer: HealthCheckedConsumer): CqrsHealthResult<Key> {
    const status = statusOf(consumer);
    return status === 'connected' ? up(key, { consumer: status }) : down(key, { consumer: status });
  }

  isAlive<Key extends string>(key: Key, consumer: HealthCheckedConsumer): CqrsHealthResult<Key> {
    const status = statusOf(consumer);
    return status === 'closed' ? down(key, { consumer: status }) : up(key, { consumer: status });
  }
}

/** The last status: `status` replays it synchronously on subscribe. */
function statusOf(consumer: HealthCheckedConsumer): BrokerConsumerStatus | 'not-started' {
  let last: BrokerConsumerStatus | 'not-started' = 'not-started';
  consumer.status.subscribe((status) => (last = status)).unsubscribe();
  return last;
}
