import type { INestApplicationContext } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import type { ConsumeOutcome } from '../consumers/consumed-message.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { NotificationEvent } from '../events/notification-event.js';
import { consumerOf } from './app-providers.js';
import { randomSeed, shuffled } from './seeded-shuffle.js';

/** What the testing helpers deliver: an event (serialized as the app's producer would) or a message as a broker carried it. @publicApi */
export type Deliverable = NotificationEvent<unknown> | BrokerMessage;

/** Options of {@link deliver}. @publicApi */
export interface DeliverOptions {
  /**
   * How many times the same message is delivered.
   * @default 1
   */
  readonly times?: number;
  /**
   * Deliver all copies at once (racing each other, as two consumers of one
   * message after a rebalance do) instead of one after another.
   * @default false
   */
  readonly concurrently?: boolean;
}

/** In which order {@link deliverAll} delivers. @publicApi */
export type DeliveryOrder = 'given' | 'reversed' | 'shuffled';

/** Options of {@link deliverAll}. @publicApi */
export interface DeliverAllOptions {
  /**
   * `shuffled` mixes the order within each key and across keys.
   * @default 'given'
   */
  readonly order?: DeliveryOrder;
  /**
   * The seed of a `shuffled` order: pass the `seed` a failing run reported to get its order again.
   * @default a random one
   */
  readonly seed?: number;
}

/** What {@link deliverAll} did. @publicApi */
export interface DeliveryRun {
  /** The messages, in the order they were delivered. */
  readonly delivered: readonly BrokerMessage[];
  /** The pipeline's outcome of each, in the same order. */
  readonly outcomes: readonly ConsumeOutcome[];
  /** The seed of a `shuffled` order (absent otherwise). */
  readonly seed?: number;
}

/**
 * Delivers one event to the app's consumer pipeline (`EventConsumerPipeline`
 * of `EventConsumerModule`), as a broker does, `times` times: what an
 * at-least-once broker does after a lost acknowledgement, a rebalance or a
 * relay that died before marking its batch. Resolves with the pipeline's
 * outcome of each delivery, in delivery order.
 *
 * It feeds the pipeline directly: handlers, middleware, retries and the
 * outage wait run as in production; a `dead-letter` outcome is returned, not
 * published (the transport does that), and Nest microservice interceptors
 * are not involved (connect `InMemoryEventConsumer` for those).
 *
 * @example
 * const outcomes = await deliver(app, new UserJoinedMeeting({ payload: { meetingId, userId }, key: meetingId }), { times: 2, concurrently: true });
 * expect(outcomes.map((o) => o.status)).toEqual(['handled', 'handled']);
 * expect(await notifications.countBy({ meetingId })).toBe(1);
 * @publicApi
 */
export async function deliver(app: INestApplicationContext, event: Deliverable, options: DeliverOptions = {}): Promise<ConsumeOutcome[]> {
  const { times = 1, concurrently = false } = options;
  if (!Number.isInteger(times) || times < 1) throw new InvalidOptionException('deliver times', 'an integer >= 1', times);
  const { pipeline, serializer } = consumerOf(app, 'deliver');
  const message = toMessage(event, serializer);
  const once = () => pipeline.consume({ topic: message.topic, body: message.body, headers: message.headers, key: message.key });
  if (concurrently) return Promise.all(Array.from({ length: times }, once));
  const outcomes: ConsumeOutcome[] = [];
  for (let i = 0; i < times; i++) outcomes.push(await once());
  return outcomes;
}

/**
 * Delivers a sequence of events to the app's consumer pipeline one after
 * another, in the given order, reversed, or shuffled within and across keys
 * (what consumers see after retries, partition moves and redeliveries), so
 * a test can check that the handlers' end state does not depend on order.
 * Like {@link deliver}, it feeds `EventConsumerPipeline` directly.
 *
 * @example
 * const run = await deliverAll(app, events, { order: 'shuffled' });
 * expect(await currentState()).toEqual(expected); // on failure, rerun with { seed: run.seed }
 * @publicApi
 */
export async function deliverAll(app: INestApplicationContext, events: readonly Deliverable[], options: DeliverAllOptions = {}): Promise<DeliveryRun> {
  const { order = 'given' } = options;
  const { pipeline, serializer } = consumerOf(app, 'deliverAll');
  const messages = events.map((event) => toMessage(event, serializer));
  let seed: number | undefined;
  let delivered: BrokerMessage[];
  switch (order) {
    case 'given':
      delivered = messages;
      break;
    case 'reversed':
      delivered = [...messages].reverse();
      break;
    case 'shuffled':
      seed = options.seed ?? randomSeed();
      delivered = shuffled(messages, seed);
      break;
    default:
      throw new InvalidOptionException('deliverAll order', "'given', 'reversed' or 'shuffled'", order);
  }
  const outcomes: ConsumeOutcome[] = [];
  for (const message of delivered) {
    outcomes.push(await pipeline.consume({ topic: message.topic, body: message.body, headers: message.headers, key: message.key }));
  }
  return { delivered, outcomes, seed };
}

function toMessage(event: Deliverable, serializer: { toMessage(event: NotificationEvent<unknown>): BrokerMessage }): BrokerMessage {
  return event instanceof NotificationEvent ? serializer.toMessage(event) : event;
}
