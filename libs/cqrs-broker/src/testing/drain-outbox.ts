import { AssertionError } from 'node:assert';
import type { INestApplicationContext } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { InMemoryMessageBroker } from '../brokers/in-memory-message-broker.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { OUTBOX_DRAIN_TIMED_OUT, OUTBOX_ROWS_WENT_DEAD } from '../errors/messages.js';
import { TimeoutException } from '../errors/timeout.exception.js';
import { sleep } from '../retry/sleep.js';
import { brokerOf, outboxOf } from './app-providers.js';
import { recordPublishes } from './publish-recording.js';

/** Options of {@link drainOutbox}. @publicApi */
export interface DrainOutboxOptions {
  /**
   * Fail with a `TimeoutException` if rows are still pending after this long.
   * @default 10_000
   */
  readonly timeoutMs?: number;
  /**
   * How often to look again while pending rows are not yet due.
   * @default 20
   */
  readonly pollIntervalMs?: number;
  /**
   * Accept rows going `dead` during the drain (their publish failed
   * `relay.retry.maxAttempts` times, or they could not be read). Otherwise
   * that fails the drain with an `AssertionError` giving their last errors.
   * @default false
   */
  readonly allowDead?: boolean;
}

/**
 * Runs the app's outbox relay until no row is pending, and resolves with
 * every message the broker accepted meanwhile, in publish order (rows the
 * app's own relay loop published during the drain included). Rows that are
 * not due yet are waited for: a failed publish waiting out its backoff, a
 * batch leased by a relay that died (see {@link crashRelayAfterPublish}).
 * With the in-memory broker it also waits until its consumers have handled
 * what was published, so the consumer side's effects are visible on return.
 * A row that goes `dead` meanwhile fails the drain (unless `allowDead`).
 *
 * Works whether or not the relay loop runs (`relay.enabled`); with it off, a
 * test decides when events go out.
 *
 * @example
 * await app.get(RequestMediator).send(new JoinMeetingCommand('standup', 'ada'));
 * const published = await drainOutbox(app);
 * expectPublished(published, { event: UserJoinedMeeting, key: 'standup', payload: { userId: 'ada' } });
 * @publicApi
 */
export async function drainOutbox(app: INestApplicationContext, options: DrainOutboxOptions = {}): Promise<BrokerMessage[]> {
  const { timeoutMs = 10_000, pollIntervalMs = 20, allowDead = false } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new InvalidOptionException('drainOutbox timeoutMs', 'zero or more', timeoutMs);
  const { relay, admin } = outboxOf(app, 'drainOutbox');
  const broker = brokerOf(app, 'drainOutbox');
  const deadBefore = (await admin.stats()).dead;
  const recording = recordPublishes(broker);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      let failure: unknown;
      try {
        await relay.drain();
      } catch (error) {
        // E.g. the database is failing (failDatabase): keep trying until the deadline.
        failure = error;
      }
      const stats = failure === undefined ? await admin.stats() : undefined;
      const pending = stats?.pending;
      if (stats && stats.dead > deadBefore && !allowDead) {
        const newest = (await admin.listDead(Number.MAX_SAFE_INTEGER)).slice(deadBefore - stats.dead).slice(-5);
        throw new AssertionError({
          message: OUTBOX_ROWS_WENT_DEAD(stats.dead - deadBefore, newest.map((row) => `${row.eventName} ${row.eventId}: ${row.lastError}`)),
          actual: stats.dead - deadBefore,
          expected: 0,
          operator: '===',
          stackStartFn: drainOutbox,
        });
      }
      if (pending === 0) break;
      if (Date.now() >= deadline) {
        throw new TimeoutException(OUTBOX_DRAIN_TIMED_OUT(timeoutMs, pending, failure instanceof Error ? failure.message : failure === undefined ? undefined : String(failure)), timeoutMs);
      }
      await sleep(pollIntervalMs);
    }
    if (broker instanceof InMemoryMessageBroker) await broker.drain();
    return [...recording.published];
  } finally {
    recording.stop();
  }
}
