import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { InMemoryMessageBroker } from '../brokers/in-memory-message-broker.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { OutboxWakeup } from '../outbox/outbox-wakeup.js';
import type { OutboxDialect } from '../outbox/outbox.dialect.js';
import { brokerOf, outboxOf } from './app-providers.js';
import { recordPublishes } from './publish-recording.js';

/** Options of {@link crashRelayAfterPublish}. @publicApi */
export interface RelayCrashOptions {
  /**
   * The lease of the relay that dies: how long its batch stays claimed
   * before another relay may publish it again. Short, so a test does not wait
   * out the production lease.
   * @default 100
   */
  readonly leaseMs?: number;
}

/** Thrown into the dying relay in place of its mark-published statement: the process is gone before it runs. */
class RelayDied extends Error {}

/**
 * A relay that dies between publishing a batch and marking it published:
 * it claims one batch of due outbox rows (the app's batch size and
 * ordering), publishes it through the app's broker, and "dies" before its
 * mark-published statement, leaving the rows pending and leased to it.
 * Once its lease (`leaseMs`) runs out another relay publishes them again,
 * e.g. {@link drainOutbox}, and the consumer sees every event of the batch a
 * second time: the redelivery the inbox exists for. Resolves with the
 * messages the dying relay published (empty if nothing was due); with the
 * in-memory broker, once its consumers have handled them.
 *
 * @example
 * const firstTime = await crashRelayAfterPublish(app);
 * const again = await drainOutbox(app); // the same events, published again after the lease
 * expect(again.map((m) => m.eventId)).toEqual(firstTime.map((m) => m.eventId));
 * @publicApi
 */
export async function crashRelayAfterPublish(app: INestApplicationContext, options: RelayCrashOptions = {}): Promise<BrokerMessage[]> {
  const { leaseMs = 100 } = options;
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new InvalidOptionException('crashRelayAfterPublish leaseMs', 'a positive number', leaseMs);
  const outbox = outboxOf(app, 'crashRelayAfterPublish');
  const broker = brokerOf(app, 'crashRelayAfterPublish');
  const dying = new OutboxRelay({
    dialect: dyingBeforeMark(outbox.dialect),
    broker,
    wakeup: new OutboxWakeup(),
    options: { ...outbox.options.relay, relayId: `crashed-relay:${randomUUID().slice(0, 8)}`, leaseMs },
    listen: false,
  });
  const recording = recordPublishes(broker);
  try {
    await dying.publishBatch();
  } catch (error) {
    if (!(error instanceof RelayDied)) throw error;
  } finally {
    recording.stop();
  }
  if (broker instanceof InMemoryMessageBroker) await broker.drain();
  return [...recording.published];
}

/** The dialect as the dying relay sees it: everything works until it would mark its batch published. */
function dyingBeforeMark(dialect: OutboxDialect): OutboxDialect {
  return new Proxy(dialect, {
    get(target, property) {
      if (property === 'markPublished') return () => Promise.reject(new RelayDied('the relay died before marking its batch published'));
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
