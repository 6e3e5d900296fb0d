import { Logger } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import type { MessageBroker } from '../brokers/message-broker.interface.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { OUTBOX_LOCK_CLAIM_UNSUPPORTED } from '../errors/messages.js';
import { backoffDelay } from '../retry/backoff.js';
import { sleep } from '../retry/sleep.js';
import { withTimeout } from '../retry/with-timeout.js';
import { LockingOutboxDialect } from './locking-outbox.dialect.js';
import type { OutboxClaimedBatch } from './outbox-claimed-batch.js';
import { OutboxLeasedBatch } from './outbox-leased-batch.js';
import { decodeBody } from './outbox-codec.js';
import type { OutboxRelayOptions } from './outbox-options.interface.js';
import { resolveOutboxRelayOptions, type ResolvedOutboxRelayOptions } from './outbox-options.resolver.js';
import { OutboxStatus } from './outbox-status.js';
import type { OutboxWakeup } from './outbox-wakeup.js';
import type { CqrsTracing } from '../tracing/cqrs-tracing.js';
import type { ClaimedOutboxRow, OutboxChangeStream, OutboxDialect, OutboxWakeupSource, PreparedOutboxRow } from './outbox.dialect.js';

/** While a backlog lasts, the loop claims from the start of the table at least once per this many poll intervals. */
const FROM_START_EVERY_POLLS = 10;

/** What one relay round trip did. @publicApi */
export interface OutboxBatchResult {
  /** Rows leased by this round. */
  readonly claimed: number;
  /** Rows the broker accepted and that are now marked published. */
  readonly published: number;
  /** Rows whose publish failed (rescheduled, or dead at their last attempt). */
  readonly failed: number;
  /** Rows that could not be read back (unknown codec, corrupt body), now dead. */
  readonly unreadable: number;
}

/** The part of `SchedulerRegistry` (@nestjs/schedule) the relay registers its purge job with. */
export interface OutboxJobRegistry {
  addInterval(name: string, intervalId: ReturnType<typeof setInterval>): void;
  deleteInterval(name: string): void;
}

/** Everything a relay needs; `OutboxModule` fills it from DI. @publicApi */
export interface OutboxRelayDependencies {
  readonly dialect: OutboxDialect;
  readonly broker: MessageBroker;
  readonly wakeup: OutboxWakeup;
  /** Relay options, completed by `resolveOutboxRelayOptions` (already resolved ones pass unchanged). */
  readonly options?: OutboxRelayOptions;
  /**
   * Wake on commits of other processes through the dialect's wake-up source,
   * where the database has one (PostgreSQL: LISTEN). The module passes its `notify`.
   * @default true
   */
  readonly listen?: boolean;
  /** Registers the purge interval here (e.g. Nest's `SchedulerRegistry`) when given. */
  readonly jobs?: OutboxJobRegistry;
  /** Tracing on (`CqrsBrokerModule`'s `tracing`): a `publish <topic>` span per message, a child of the context its row stored. */
  readonly tracing?: CqrsTracing | null;
}

/**
 * Publishes outbox rows to the `MessageBroker`, at least once, oldest first.
 *
 * Each round trip leases a batch of due rows in one short statement or
 * transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MariaDB, so relays
 * share the table without taking the same row), publishes the batch with one
 * `broker.publish` call, and marks it published in one statement. A failed
 * publish reschedules the batch by the `retry` backoff, and rows go `dead`
 * after `retry.maxAttempts`. Rows of a relay that died are claimed again
 * once their lease (`leaseMs`) runs out. With `claim: 'lock'` (PostgreSQL,
 * MariaDB/MySQL) the claim writes nothing: a transaction of the batch's own
 * keeps the rows locked across the publish and commits the outcome, so a
 * relay that dies frees its rows at once. With `ordering: 'per-key'` (the
 * default) a claim skips a row while an older row with its key is pending
 * outside the claim, so each key's events are published in id order.
 *
 * The loop keeps claiming while batches come back full, then sleeps until the
 * poll interval or a commit wakes it.
 *
 * With `source: 'logical-replication'` (PostgreSQL) new events come from the
 * WAL instead (see `OutboxChangeStream`): one relay streams the slot, in
 * commit order, publishes each batch and then acknowledges it. An event it
 * cannot publish at once is stored in the table (pending with its backoff,
 * or dead) and the stream moves on; so is every later event of a key that
 * has a pending row, so per-key order holds. The table loop above retries
 * those rows, and publishes dead rows the admin replays.
 * @publicApi
 */
export class OutboxRelay {
  readonly options: ResolvedOutboxRelayOptions;
  private readonly logger = new Logger('OutboxRelay');
  private readonly dialect: OutboxDialect;
  private readonly broker: MessageBroker;
  private readonly wakeup: OutboxWakeup;
  /** Commits of other processes, when the dialect's database can report them. */
  private readonly remoteCommits?: OutboxWakeupSource;
  private readonly jobs?: OutboxJobRegistry;
  private readonly tracing: CqrsTracing | null;
  private loop?: Promise<void>;
  private abort?: AbortController;
  private purgeTimer?: ReturnType<typeof setInterval>;
  private purging?: Promise<number>;
  /** The batch being published (for `stop` to give back when the publish outlasts the shutdown timeout). */
  private inFlight?: OutboxClaimedBatch;
  /** The next batch, claimed while `inFlight` publishes: `stop` gives it back too (with 'lock' it holds a connection and its rows). */
  private prefetched?: Promise<{ batch: OutboxClaimedBatch; more: boolean }>;
  /** Id of the last row of the loop's last full claim: the next claim starts after it. */
  private cursor?: string;
  /** When the loop last claimed from the start of the table (performance.now()). */
  private fromStartAt = Number.NEGATIVE_INFINITY;
  /** The mark-published statement of the last batch the loop published, running in the background. */
  private marking?: Promise<void>;
  private starting?: Promise<void>;
  /** Change capture: the WAL stream and its loop. */
  private changes?: OutboxChangeStream;
  private streamLoop?: Promise<void>;
  /** Change capture: keys with a pending table row (streamed events of these keys wait behind it), and when they were read. */
  private keysBehind = new Set<string>();
  private keysBehindAt = Number.NEGATIVE_INFINITY;

  constructor(dependencies: OutboxRelayDependencies) {
    this.dialect = dependencies.dialect;
    this.broker = dependencies.broker;
    this.wakeup = dependencies.wakeup;
    this.jobs = dependencies.jobs;
    this.tracing = dependencies.tracing ?? null;
    this.options = resolveOutboxRelayOptions(dependencies.options, dependencies.dialect.tableName);
    if (this.options.claim === 'lock' && !(this.dialect instanceof LockingOutboxDialect)) throw new ConfigurationException(OUTBOX_LOCK_CLAIM_UNSUPPORTED(this.dialect.database));
    // A change-capture relay is pushed its events by the stream; its table loop only retries, it needs no LISTEN.
    if (dependencies.listen !== false && this.options.source === 'table') this.remoteCommits = this.dialect.createWakeupSource(() => this.wakeup.notify(), this.logger);
  }

  /** The name this relay writes in `locked_by`. */
  get relayId(): string {
    return this.options.relayId;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  private get purgeJobName(): string {
    return `outbox-purge:${this.dialect.tableName}:${this.relayId}`;
  }

  /** True while this relay streams the change-capture slot (`logical-replication`; false on standby and with `table`). */
  get streaming(): boolean {
    return this.changes?.streaming ?? false;
  }

  /**
   * Starts the loop and the retention purge; does nothing if already running.
   * With `source: 'table'` it has started when this returns. With
   * `logical-replication` it first checks the server (rejecting with a
   * `ConfigurationException` that says what to change) and creates the slot
   * when missing; the returned promise settles then.
   */
  start(): Promise<void> {
    this.starting ??= this.startOnce().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    if (this.loop) return;
    const { source, slotName, batchSize, pollIntervalMs } = this.options;
    if (source === 'logical-replication') await this.dialect.prepareChangeCapture(slotName);
    const abort = (this.abort = new AbortController());
    this.loop = this.run(abort.signal);
    if (source === 'logical-replication') {
      this.changes = this.dialect.createChangeStream({ slotName, batchSize, pollIntervalMs, logger: this.logger });
      this.streamLoop = this.changes
        .run((rows) => this.publishStreamed(rows), abort.signal)
        .catch((error: Error) => this.logger.error(`Outbox relay ${this.relayId} cannot stream slot ${slotName}: ${error.message}`));
    }
    this.purgeTimer = setInterval(() => void this.purgePublished().catch((e: Error) => this.logger.error(`Outbox purge failed: ${e.message}`)), this.options.purgeIntervalMs);
    this.purgeTimer.unref?.();
    this.jobs?.addInterval(this.purgeJobName, this.purgeTimer);
    this.logger.log(`Outbox relay ${this.relayId} started on table ${this.dialect.tableName}`);
  }

  /**
   * Stops claiming, waits for the batch in flight to be published and marked
   * (up to `shutdownTimeoutMs`), then releases what it still holds (lease:
   * clears it; lock: rolls its transaction back), so no row stays held by a
   * relay that is gone.
   */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const loop = this.loop;
    if (!loop) return;
    this.abort?.abort();
    // The stream hands over what it read and acknowledges it before it disconnects.
    await this.streamLoop;
    this.streamLoop = undefined;
    this.changes = undefined;
    if (this.purgeTimer) {
      clearInterval(this.purgeTimer);
      try {
        this.jobs?.deleteInterval(this.purgeJobName);
      } catch {
        // Already removed from the registry by the app.
      }
      this.purgeTimer = undefined;
    }
    const timeout = new AbortController();
    const finished = await Promise.race([loop.then(() => true), sleep(this.options.shutdownTimeoutMs, timeout.signal).then(() => false)]);
    timeout.abort();
    const held = this.inFlight;
    if (!finished && held?.rows.length) {
      const released = await held.release().catch(() => 0);
      this.logger.warn(`Outbox relay ${this.relayId} stopped before its publish finished: released ${released} rows for another relay`);
    }
    if (!finished) {
      // The batch claimed behind the hung one: given back now, not when the loop ends (after the publish times out).
      const next = (await this.prefetched?.catch(() => undefined))?.batch;
      if (next?.rows.length) await next.release().catch(() => 0);
    }
    await this.remoteCommits?.stop();
    await this.purging?.catch(() => undefined);
    this.loop = undefined;
    this.starting = undefined;
    this.logger.log(`Outbox relay ${this.relayId} stopped`);
  }

  /**
   * The loop pipelines while a backlog lasts: as soon as a full batch is
   * claimed, the next claim starts, and a batch's mark-published statement
   * runs while the next batch is published. The database and the broker work
   * at the same time; a batch still goes out only after the one before it was
   * published, so one relay keeps id order. (With per-key ordering a prefetched
   * claim skips the keys still in flight: they come in a later claim.)
   */
  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let full = false;
      try {
        await this.remoteCommits?.start();
        const claim = this.prefetched ?? this.claimNext();
        this.prefetched = undefined;
        const { batch, more } = await claim;
        full = more;
        if (full) this.prefetched = this.claimNext();
        // Keep an unobserved rejection of the prefetch from crashing the process; it is rethrown where awaited.
        this.prefetched?.catch(() => undefined);
        if (batch.rows.length) await this.publishRows(batch, false);
      } catch (error) {
        this.logger.error(`Outbox relay ${this.relayId} failed a round: ${(error as Error)?.message ?? error}`);
      }
      // A full batch means more is waiting: claim again at once; otherwise sleep until a commit or the poll.
      if (!full && !signal.aborted) await this.wakeup.wait(this.options.pollIntervalMs, signal);
    }
    await this.marking;
    // Stopping: give a claimed but unpublished batch back at once rather than when its lease runs out.
    const unpublished = (await this.prefetched?.catch(() => undefined))?.batch;
    this.prefetched = undefined;
    if (unpublished?.rows.length) await unpublished.release().catch(() => 0);
  }

  /**
   * Claims a batch as `claim` says: leased (the lease committed) or locked
   * (its transaction open until the outcome is recorded).
   */
  private async claim(afterId?: string): Promise<OutboxClaimedBatch> {
    const { batchSize, leaseMs, ordering } = this.options;
    if (this.options.claim === 'lock') return (this.dialect as LockingOutboxDialect).claimLocked(batchSize, ordering, leaseMs, afterId);
    return new OutboxLeasedBatch(this.dialect, this.relayId, await this.dialect.claim(this.relayId, batchSize, leaseMs, ordering, afterId));
  }

  /**
   * The loop's claim. Through a backlog it starts after the last row of the
   * previous full batch (a cursor), so it does not scan past every row
   * published so far on each claim (on PostgreSQL that made a 100,000-row
   * drain quadratic). Rows the cursor passes over (retries coming due, late
   * commits with lower ids, leases that ran out) are found by a claim from
   * the start, made whenever a cursor claim comes back short and at least
   * every 10 poll intervals while the backlog lasts (a claim from the start
   * is the expensive one). `more`: claim again at once.
   */
  private async claimNext(): Promise<{ batch: OutboxClaimedBatch; more: boolean }> {
    const now = performance.now();
    if (now - this.fromStartAt >= FROM_START_EVERY_POLLS * this.options.pollIntervalMs) this.cursor = undefined;
    const after = this.cursor;
    if (after === undefined) this.fromStartAt = now;
    const batch = await this.claim(after);
    const { rows } = batch;
    const full = rows.length === this.options.batchSize;
    this.cursor = full ? rows[rows.length - 1].id : undefined;
    return { batch, more: full || after !== undefined };
  }

  /** One round trip: claim a batch, publish it, record the outcome. The loop calls it; tests and tools may too. */
  async publishBatch(): Promise<OutboxBatchResult> {
    const batch = await this.claim();
    if (!batch.rows.length) return { claimed: 0, published: 0, failed: 0, unreadable: 0 };
    return this.publishRows(batch, true);
  }

  /**
   * Publishes claimed rows and records the outcome. With `awaitMark` false
   * (the loop) it returns once the broker accepted the batch, and the
   * mark-published statement runs in the background until the next batch's
   * mark (or the loop's end) awaits it; `published` then counts the accepted rows.
   */
  private async publishRows(batch: OutboxClaimedBatch, awaitMark: boolean): Promise<OutboxBatchResult> {
    const { rows } = batch;
    this.inFlight = batch;
    try {
      const readable: ClaimedOutboxRow[] = [];
      const messages: BrokerMessage[] = [];
      let unreadable = 0;
      for (const row of rows) {
        try {
          messages.push(await this.toMessage(row));
          readable.push(row);
        } catch (error) {
          unreadable++;
          const reason = `unreadable outbox row: ${(error as Error)?.message ?? error}`;
          this.logger.error(`Outbox row ${row.id} (event ${row.eventId}) is dead: ${reason}`);
          await batch.markDead([row.id], reason);
        }
      }
      if (!readable.length) {
        await batch.markPublished([]); // lock: commits the dead rows
        return { claimed: rows.length, published: 0, failed: 0, unreadable };
      }
      try {
        await this.publishHeld(messages);
      } catch (error) {
        const reason = (error as Error)?.message ?? String(error);
        const { retry } = this.options;
        await batch.markFailed(readable, reason, retry.maxAttempts, (attempt) => backoffDelay(retry, attempt));
        this.logger.warn(`Outbox relay ${this.relayId} could not publish ${readable.length} events (will retry): ${reason}`);
        return { claimed: rows.length, published: 0, failed: readable.length, unreadable };
      }
      // One mark in flight at a time: the previous batch's must be done before this one's starts.
      await this.marking;
      const marking = this.markPublished(batch, readable);
      if (awaitMark) return { claimed: rows.length, published: await marking, failed: 0, unreadable };
      this.marking = marking.then(
        () => undefined,
        (error: unknown) =>
          this.logger.error(
            `Outbox relay ${this.relayId} could not mark ${readable.length} published rows (${this.options.claim === 'lock' ? 'their transaction rolled back' : 'their lease runs out'} and they are published again): ${(error as Error)?.message ?? error}`,
          ),
      );
      return { claimed: rows.length, published: readable.length, failed: 0, unreadable };
    } catch (error) {
      // An outcome could not be recorded: hold nothing (with 'lock' that ends the transaction; a settled batch ignores it).
      await batch.release().catch(() => 0);
      throw error;
    } finally {
      this.inFlight = undefined;
    }
  }

  /**
   * Change capture: one streamed batch. Events of keys with a pending table
   * row go to the table behind it; the others are published in one call. If
   * that publish fails they are stored pending with their first backoff (or
   * dead with `maxAttempts` 1) for the table loop to retry. Resolving lets
   * the stream acknowledge the batch, so it throws only when the database
   * could not store what it must (the stream then replays the batch).
   */
  private async publishStreamed(rows: readonly PreparedOutboxRow[]): Promise<void> {
    const behind = await this.keysWaiting();
    const queued: PreparedOutboxRow[] = [];
    const direct: PreparedOutboxRow[] = [];
    for (const row of rows) (row.key !== null && behind.has(row.key) ? queued : direct).push(row);
    const sendable: PreparedOutboxRow[] = [];
    const messages: BrokerMessage[] = [];
    for (const row of direct) {
      try {
        messages.push(await this.toMessage(row));
        sendable.push(row);
      } catch (error) {
        const reason = `unreadable outbox event: ${(error as Error)?.message ?? error}`;
        this.logger.error(`Outbox event ${row.eventId} is dead: ${reason}`);
        await this.dialect.insertParked([row], { status: OutboxStatus.dead, attempts: 1, delayMs: 0, error: reason });
      }
    }
    if (sendable.length) {
      try {
        await this.publish(messages);
      } catch (error) {
        const reason = (error as Error)?.message ?? String(error);
        const { retry } = this.options;
        const dead = retry.maxAttempts <= 1;
        await this.dialect.insertParked(sendable, {
          status: dead ? OutboxStatus.dead : OutboxStatus.pending,
          attempts: 1,
          delayMs: dead ? 0 : backoffDelay(retry, 1),
          error: reason,
        });
        this.holdKeys(sendable);
        this.logger.warn(`Outbox relay ${this.relayId} could not publish ${sendable.length} streamed events (stored in the table, will retry): ${reason}`);
      }
    }
    if (queued.length) {
      await this.dialect.insertParked(queued, { status: OutboxStatus.pending, attempts: 0, delayMs: 0, error: null });
      this.holdKeys(queued);
      this.wakeup.notify();
    }
  }

  /**
   * Keys whose streamed events must wait behind a pending table row (none
   * with `ordering: 'none'`). Read from the table at most once per poll
   * interval, and grown by what this relay stores: a key leaves the set only
   * once the table has no pending row of it, so the set errs on the side of
   * waiting.
   */
  private async keysWaiting(): Promise<ReadonlySet<string>> {
    if (this.options.ordering === 'none') return new Set();
    const now = performance.now();
    if (now - this.keysBehindAt >= this.options.pollIntervalMs) {
      this.keysBehind = await this.dialect.pendingKeys();
      this.keysBehindAt = now;
    }
    return this.keysBehind;
  }

  private holdKeys(rows: readonly PreparedOutboxRow[]): void {
    if (this.options.ordering === 'none') return;
    for (const row of rows) if (row.key !== null) this.keysBehind.add(row.key);
  }

  /**
   * Runs batches until a claim comes back empty; returns how many rows were
   * published. (Not "short": with per-key ordering a claim also comes back
   * short when some rows wait for another relay's batch. With several relays
   * draining at once it may even come back empty while rows wait for another
   * relay; `start()` keeps polling, `drain()` does not.)
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.publishBatch();
      total += result.published;
      if (!result.claimed) return total;
    }
  }

  /** Deletes published rows older than `retentionMs`, in batches of `purgeBatchSize`; returns how many. One purge at a time. */
  purgePublished(olderThanMs = this.options.retentionMs): Promise<number> {
    this.purging ??= this.dialect.purgePublished(olderThanMs, this.options.purgeBatchSize).finally(() => (this.purging = undefined));
    return this.purging;
  }

  private publish(messages: readonly BrokerMessage[]): Promise<void> {
    return this.tracing ? this.tracing.relayPublish(messages, () => this.broker.publish(messages)) : this.broker.publish(messages);
  }

  /**
   * A claimed batch's publish. With `claim: 'lock'` its transaction is open
   * meanwhile, so a publish that has not settled after `leaseMs` counts as
   * failed (the broker may still deliver it: at least once).
   */
  private publishHeld(messages: readonly BrokerMessage[]): Promise<void> {
    if (this.options.claim !== 'lock') return this.publish(messages);
    const { leaseMs } = this.options;
    return withTimeout(this.publish(messages), leaseMs, () => `the broker did not accept the batch within leaseMs (${leaseMs} ms) while its rows were locked`);
  }

  private async markPublished(batch: OutboxClaimedBatch, rows: readonly ClaimedOutboxRow[]): Promise<number> {
    const marked = await batch.markPublished(rows.map((r) => r.id));
    if (marked < rows.length) {
      const why =
        this.options.claim === 'lock'
          ? 'were given back (the relay stopped) or changed by another session before they were marked'
          : 'ran out of lease before they were marked (raise leaseMs)';
      this.logger.warn(`Outbox relay ${this.relayId}: ${rows.length - marked} published rows ${why}; they will be published again`);
    }
    return marked;
  }

  private async toMessage(row: ClaimedOutboxRow | PreparedOutboxRow): Promise<BrokerMessage> {
    return {
      topic: row.topic,
      key: row.key ?? undefined,
      eventId: row.eventId,
      eventName: row.eventName,
      body: await decodeBody(row.codec, row.payload),
      headers: JSON.parse(row.headers),
    };
  }
}
