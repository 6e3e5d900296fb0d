import type { ChannelModel, ConfirmChannel, GetMessage, MessagePropertyHeaders } from 'amqplib';
import { requireOptionalPeer } from '../../optional-peer.js';
import { DeadLetterHeaders } from '../../consumers/dead-letter.js';
import {
  describeDeadLetter,
  matchesDeadLetter,
  replayHeaders,
  ReplayHeaders,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterStore,
  type RequeueResult,
} from '../../consumers/dead-letter-store.js';
import { DeadLetterReplayException } from '../../errors/dead-letter-replay.exception.js';
import { DEAD_LETTER_SOURCE_MISSING, REQUEUE_NOT_ACCEPTED, REQUEUE_TARGET_MISSING } from '../../errors/messages.js';
import { withTimeout } from '../../retry/with-timeout.js';
import { redactUrl } from '../redact-url.js';
import { AMQP_KEY_HEADER, DEFAULT_AMQP_PUBLISH_TIMEOUT_MS } from './amqp-defaults.js';
import type { AmqpDeadLetterStoreOptions } from './amqp-dead-letter-store-options.interface.js';
import { stringAmqpHeaders } from './amqp-headers.js';

/** RabbitMQ's own dead-lettering headers: a requeued message starts without them, like a new one. */
const RABBITMQ_DEATH_HEADERS = ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason'];

/**
 * The {@link DeadLetterStore} of an `AmqpEventConsumer`'s queue: reads
 * `<queue>.dlq` with `basic.get` and requeues to the consumer's queue itself
 * (through the default exchange, so no other queue bound to the original
 * routing key gets a second copy), persistent, with the original body,
 * properties (`messageId` = event id) and headers; the routing key the event
 * was first published with is kept in `x-replayed-topic`.
 *
 * One pass takes the messages that were in the dead-letter queue when it
 * began, one at a time: a requeued one is acked only after RabbitMQ confirmed
 * its publish to the queue (a crash in between leaves it in the dead-letter
 * queue too: at least once, the consumer's inbox recognises its event id);
 * the others stay unacked until the pass ends and then go back to the
 * dead-letter queue in their original order. Listing is the same pass with
 * nothing acked. Messages dead-lettered during a pass are not looked at.
 *
 * @example
 * const store = AmqpDeadLetterStore.fromUrl(process.env.BROKER_URL!, { queue: 'meeting-notifications' });
 * await store.requeue({ eventIds: ['6f1c…'] });
 * await store.close();
 * @publicApi
 */
export class AmqpDeadLetterStore implements DeadLetterStore {
  readonly deadLetterQueue: string;
  private readonly timeoutMs: number;
  private connection?: ChannelModel;

  constructor(private readonly options: AmqpDeadLetterStoreOptions) {
    requireOptionalPeer('amqplib', 'AmqpDeadLetterStore'); // at construction, so a missing package fails at startup
    this.deadLetterQueue = options.deadLetterQueue ?? `${options.queue}.dlq`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_AMQP_PUBLISH_TIMEOUT_MS;
  }

  /** A store for an `amqp://user:pass@host:port/vhost` URL. */
  static fromUrl(url: string, options: Omit<AmqpDeadLetterStoreOptions, 'url'>): AmqpDeadLetterStore {
    return new AmqpDeadLetterStore({ ...options, url });
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const listed: DeadLetter[] = [];
    await this.pass(async (deadLetter) => {
      if (matchesDeadLetter(deadLetter, filter) && (filter.limit === undefined || listed.length < filter.limit)) listed.push(deadLetter);
      return 'keep';
    });
    return listed;
  }

  async requeue(filter: DeadLetterFilter = {}): Promise<RequeueResult> {
    const eventIds: string[] = [];
    let requeued = 0;
    let left = 0;
    await this.pass(async (deadLetter, message, channel) => {
      if (!matchesDeadLetter(deadLetter, filter) || (filter.limit !== undefined && requeued >= filter.limit)) {
        left++;
        return 'keep';
      }
      await this.publish(channel, deadLetter, message);
      requeued++;
      if (deadLetter.eventId !== undefined) eventIds.push(deadLetter.eventId);
      return 'ack';
    }, true);
    return { requeued, eventIds, left };
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  /**
   * Walks the messages in the dead-letter queue when it starts, in order;
   * `visit` acks one or keeps it. Kept ones are unacked and return to the
   * queue, in their places, when the pass's channel closes.
   */
  private async pass(visit: (deadLetter: DeadLetter, message: GetMessage, channel: ConfirmChannel) => Promise<'ack' | 'keep'>, requeueing = false): Promise<void> {
    const connection = await this.connect();
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // a failed check closes the channel; the rejected call reports it
    try {
      const count = await this.checkQueue(channel, this.deadLetterQueue, () => DEAD_LETTER_SOURCE_MISSING('queue', this.deadLetterQueue));
      if (requeueing && count > 0) await this.checkQueue(channel, this.options.queue, () => REQUEUE_TARGET_MISSING(this.options.queue));
      for (let index = 1; index <= count; index++) {
        const message = await channel.get(this.deadLetterQueue, { noAck: false });
        if (message === false) break;
        if ((await visit(this.toDeadLetter(message, index), message, channel)) === 'ack') channel.ack(message);
      }
    } finally {
      // Closing hands every kept (unacked) message back to the dead-letter queue, in its place.
      await channel.close().catch(() => undefined);
    }
  }

  private async publish(channel: ConfirmChannel, deadLetter: DeadLetter, message: GetMessage): Promise<void> {
    const { queue } = this.options;
    const headers = replayHeaders(
      message.properties.headers ?? {},
      { from: this.deadLetterQueue, reason: deadLetter.reason, topic: deadLetter.originalTopic },
      RABBITMQ_DEATH_HEADERS,
    ) as MessagePropertyHeaders;
    let returned = false;
    const onReturn = () => (returned = true);
    channel.once('return', onReturn);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) =>
          channel.publish('', queue, message.content, { ...definedProperties(message), headers, persistent: true, mandatory: true }, (error) =>
            error ? reject(error) : resolve(),
          ),
        ),
        this.timeoutMs,
        () => `RabbitMQ did not confirm within ${this.timeoutMs} ms`,
      );
    } catch (error) {
      throw new DeadLetterReplayException(REQUEUE_NOT_ACCEPTED(deadLetter.position, `queue ${queue}`, (error as Error).message), { cause: error });
    } finally {
      channel.removeListener('return', onReturn);
    }
    // RabbitMQ sends basic.return before the confirm of a message it could not route.
    if (returned) throw new DeadLetterReplayException(REQUEUE_NOT_ACCEPTED(deadLetter.position, `queue ${queue}`, 'returned as unroutable'));
  }

  private toDeadLetter(message: GetMessage, index: number): DeadLetter {
    const headers = stringAmqpHeaders(message);
    const originalTopic = headers[DeadLetterHeaders.originalExchange] === '' ? headers[ReplayHeaders.topic] : headers[DeadLetterHeaders.originalRoutingKey];
    return {
      position: `${this.deadLetterQueue}#${index}`,
      ...describeDeadLetter(headers),
      key: headers[AMQP_KEY_HEADER],
      requeueTo: this.options.queue,
      originalTopic: originalTopic ?? headers[DeadLetterHeaders.originalTopic],
      headers,
      body: message.content,
    };
  }

  private async checkQueue(channel: ConfirmChannel, queue: string, missing: () => string): Promise<number> {
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch (error) {
      throw new DeadLetterReplayException(missing(), { cause: error });
    }
  }

  private async connect(): Promise<ChannelModel> {
    if (!this.connection) {
      const connection = await withTimeout(
        requireOptionalPeer<typeof import('amqplib')>('amqplib', 'AmqpDeadLetterStore').connect(this.options.url, this.options.socketOptions),
        this.timeoutMs,
        () => `RabbitMQ at ${redactUrl(this.options.url)} did not accept a connection within ${this.timeoutMs} ms`,
      );
      connection.on('error', () => undefined); // reported by the call that fails
      this.connection = connection;
    }
    return this.connection;
  }
}

/** The message's AMQP properties that are set, headers aside. */
function definedProperties(message: GetMessage): Record<string, unknown> {
  const { headers: _headers, ...properties } = message.properties;
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined));
}
