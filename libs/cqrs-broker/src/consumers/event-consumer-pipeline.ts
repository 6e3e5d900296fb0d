import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { CQRS_TRACING, type CqrsTracing } from '../tracing/cqrs-tracing.js';
import { EventMediator } from '../events/event-mediator.js';
import { EventSerializer } from '../events/event-serializer.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';
import { UnknownEventException } from '../errors/unknown-event.exception.js';
import type { NotificationEvent } from '../events/notification-event.js';
import { MessageContext } from '../tracing/message-context.js';
import type { ConsumedMessage, ConsumeOutcome } from './consumed-message.js';
import { runInConsumerContext } from './consumer-context.js';
import { UNKNOWN_EVENT_POLICIES, type EventConsumerModuleOptions, type UnknownEventPolicy } from './event-consumer-options.interface.js';
import { EVENT_CONSUMER_OPTIONS } from './event-consumer.module-definition.js';
import { backoffDelay } from '../retry/backoff.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import { sleep } from '../retry/sleep.js';
import { isNonRetryable } from '../retry/transient-failure.js';
import { MemoryAttemptStore, type AttemptStore } from './attempt-store.js';
import { resolveOutagePolicy, type OutagePolicy } from './outage-policy.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { CONSUMER_NEEDS_NAME, CONSUMER_OUTAGE_BOUND, GAVE_UP_ACROSS_DELIVERIES, IN_MEMORY_IS_A_TRANSPORT } from '../errors/messages.js';

/** Default `maxMessageBytes` of a consumer: 1 MiB. @publicApi */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The broker-independent half of every consumer: decodes a message with the
 * `EventSerializer`, runs its handlers through the `EventMediator` and tells
 * the transport what to do with it. It tells three kinds of failure apart:
 * - a transient infrastructure failure (`outage.isTransient`): the message
 *   is kept and retried with `outage.backoff` until it passes, spending no
 *   attempt (past `outage.maxWaitMs`: `requeue`, never a dead letter);
 * - a handler failure: bounded retry (`retry`), attempts counted in the
 *   `attempts` store across deliveries, then `dead-letter`;
 * - a `NonRetryableException` (or `nonRetryable: true` in the cause chain):
 *   `dead-letter` at once.
 * It never throws for a bad message: malformed messages become `dead-letter`
 * outcomes at once, so the consumer goes on; a well-formed message of an
 * event the app has no class for is `skipped` (acknowledged, counted in
 * {@link skippedCount}) or dead-lettered, as `unknownEvents` says. It owns
 * the consumer name.
 * @publicApi
 */
@Injectable()
export class EventConsumerPipeline implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventConsumerPipeline.name);
  readonly consumerName: string;
  readonly retry: RetryPolicy;
  readonly outage: OutagePolicy;
  readonly attempts: AttemptStore;
  readonly maxMessageBytes: number;
  readonly unknownEvents: UnknownEventPolicy;
  private skipped = 0;

  constructor(
    private readonly serializer: EventSerializer,
    private readonly mediator: EventMediator,
    @Inject(EVENT_CONSUMER_OPTIONS) options: EventConsumerModuleOptions,
    @Optional() @Inject(CQRS_TRACING) private readonly tracing: CqrsTracing | null = null,
  ) {
    if (!options.name) throw new ConfigurationException(CONSUMER_NEEDS_NAME);
    // A former option: fail loudly rather than consume nothing.
    if ((options as { inMemory?: unknown }).inMemory) throw new ConfigurationException(IN_MEMORY_IS_A_TRANSPORT);
    this.consumerName = options.name;
    this.retry = resolveRetryPolicy(options.retry);
    this.outage = resolveOutagePolicy(options.outage);
    this.attempts = options.attempts ?? new MemoryAttemptStore();
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < 1) {
      throw new InvalidOptionException('maxMessageBytes', 'a positive integer', options.maxMessageBytes);
    }
    this.unknownEvents = options.unknownEvents ?? 'skip';
    if (!UNKNOWN_EVENT_POLICIES.includes(this.unknownEvents)) {
      throw new InvalidOptionException('unknownEvents', UNKNOWN_EVENT_POLICIES.map((policy) => `'${policy}'`).join(' or '), options.unknownEvents);
    }
  }

  /** How many messages of unknown events this pipeline skipped since it started (`unknownEvents: 'skip'`). */
  get skippedCount(): number {
    return this.skipped;
  }

  onApplicationBootstrap(): void {
    this.logger.log(
      `${this.consumerName}: event timestamps without a zone are read as ${this.serializer.naiveTimestampZone} (naiveTimestampZone); ` +
        `events no class is registered for are ${this.unknownEvents === 'skip' ? 'skipped' : 'dead-lettered'} (unknownEvents: '${this.unknownEvents}')`,
    );
  }

  consume(message: ConsumedMessage): Promise<ConsumeOutcome> {
    // With tracing on, one `process <topic>` span covers decoding and every attempt.
    if (this.tracing) return this.tracing.consume(message, this.consumerName, () => this.process(message));
    return this.process(message);
  }

  private async process(message: ConsumedMessage): Promise<ConsumeOutcome> {
    if (message.signal?.aborted) return { status: 'stopped', attempts: 0 };
    if (message.body.length > this.maxMessageBytes) {
      const reason = `Malformed event: message of ${message.body.length} bytes is larger than maxMessageBytes (${this.maxMessageBytes})`;
      this.logger.error(`${this.consumerName}: dead-lettering a message from "${message.topic}" at once: ${reason}`);
      return { status: 'dead-letter', reason, attempts: 1, malformed: true, eventId: message.headers['event-id'] };
    }
    let event: NotificationEvent<unknown>;
    try {
      event = await this.serializer.fromBody(message.body, message.headers, message.key, message.topic);
    } catch (error) {
      if (error instanceof UnknownEventException && this.unknownEvents === 'skip') {
        this.skipped++;
        this.logger.debug(`${this.consumerName}: skipping a message from "${message.topic}": ${error.reason} (unknownEvents: 'skip')`);
        return { status: 'skipped', reason: error.message, attempts: 0, eventName: error.eventName, eventId: message.headers['event-id'] };
      }
      const reason = error instanceof MalformedEventException ? error.message : `Malformed event: ${describe(error)}`;
      this.logger.error(`${this.consumerName}: dead-lettering a message from "${message.topic}" at once: ${reason}`);
      return { status: 'dead-letter', reason, attempts: 1, malformed: true, eventId: message.headers['event-id'] };
    }

    const { eventId, eventName } = event;
    // Events the handlers produce carry this event's correlation id and trace.
    const messageContext = MessageContext.fromHeaders(message.headers, eventId);
    const run = (attempt: number) =>
      MessageContext.run(messageContext, () =>
        runInConsumerContext({ consumerName: this.consumerName, eventId, eventName, topic: message.topic, attempt }, () => this.mediator.send(event)),
      );
    const what = `${eventName} (event ${eventId})`;
    /** Attempts started so far, across deliveries when the store keeps them. */
    let attempt = 0;
    /** Whether the next run starts a new attempt (false while retrying through an outage). */
    let newAttempt = true;
    let outage: { since: number; waits: number } | undefined;
    for (;;) {
      try {
        if (newAttempt) {
          attempt = await this.attempts.begin(this.consumerName, eventId);
          newAttempt = false;
          if (attempt > this.retry.maxAttempts) {
            const reason = GAVE_UP_ACROSS_DELIVERIES(attempt - 1);
            this.logger.error(`${this.consumerName}: ${what}: ${reason}; dead-lettering it`);
            await this.forget(eventId);
            return { status: 'dead-letter', reason, attempts: attempt - 1, malformed: false, eventId, eventName };
          }
        }
        await run(attempt);
        if (outage) this.logger.log(`${this.consumerName}: ${what} handled after an outage of ${Math.round((Date.now() - outage.since) / 1000)} s`);
        await this.forget(eventId);
        return { status: 'handled', attempts: attempt, eventId, eventName };
      } catch (error) {
        if (message.signal?.aborted) return { status: 'stopped', attempts: attempt };
        if (isNonRetryable(error)) {
          this.logger.error(`${this.consumerName}: ${what} failed with a non-retryable error: ${describe(error)}; dead-lettering it`, (error as Error)?.stack);
          await this.forget(eventId);
          return { status: 'dead-letter', reason: `Handler failed: ${describe(error)}`, attempts: Math.max(attempt, 1), malformed: false, eventId, eventName };
        }
        if (this.outage.isTransient(error)) {
          // An outage: keep the message (and the partition / queue), spend no attempt, wait it out.
          const now = Date.now();
          if (!outage) {
            outage = { since: now, waits: 0 };
            this.logger.warn(`${this.consumerName}: ${what} hit a transient failure (${describe(error)}); pausing and retrying until it passes (at most ${this.outage.maxWaitMs} ms)`);
          }
          if (now - outage.since >= this.outage.maxWaitMs) {
            const reason = CONSUMER_OUTAGE_BOUND(now - outage.since, describe(error));
            this.logger.error(`${this.consumerName}: ${what}: ${reason}`);
            // An outage is not the message's fault: its next delivery starts counting afresh.
            await this.forget(eventId);
            return { status: 'requeue', reason, attempts: attempt };
          }
          const wait = Math.min(backoffDelay(this.outage.backoff, ++outage.waits), this.outage.maxWaitMs - (now - outage.since));
          if (!(await sleep(wait, message.signal))) return { status: 'stopped', attempts: attempt };
          await message.beforeRetry?.();
          continue;
        }
        if (outage) this.logger.log(`${this.consumerName}: ${what}: the outage is over after ${Math.round((Date.now() - outage.since) / 1000)} s`);
        outage = undefined;
        // The attempt store itself failed (a missing table…): count this try here, so the retry stays bounded.
        if (newAttempt) attempt++;
        newAttempt = true;
        const failure = `attempt ${attempt}/${this.retry.maxAttempts} of ${what} failed: ${describe(error)}`;
        if (attempt >= this.retry.maxAttempts) {
          this.logger.error(`${this.consumerName}: ${failure}; dead-lettering it`, (error as Error)?.stack);
          await this.forget(eventId);
          return { status: 'dead-letter', reason: `Handler failed: ${describe(error)}`, attempts: attempt, malformed: false, eventId, eventName };
        }
        this.logger.warn(`${this.consumerName}: ${failure}; retrying`);
        if (!(await sleep(backoffDelay(this.retry, attempt), message.signal))) return { status: 'stopped', attempts: attempt };
        await message.beforeRetry?.();
      }
    }
  }

  /** Drops the event's attempt count; a store that cannot is logged, not fatal (the count only matters if the event comes back). */
  private async forget(eventId: string): Promise<void> {
    try {
      await this.attempts.clear(this.consumerName, eventId);
    } catch (error) {
      this.logger.warn(`${this.consumerName}: could not clear the attempt count of event ${eventId}: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
