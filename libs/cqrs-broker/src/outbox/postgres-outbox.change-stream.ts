import type { DataSource, DataSourceOptions } from 'typeorm';

import type { LogicalReplicationService, Pgoutput } from 'pg-logical-replication';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { OUTBOX_CDC_PACKAGE_MISSING } from '../errors/messages.js';
import { sleep } from '../retry/sleep.js';
import { decodeWalMessage } from './outbox-wal-message.js';
import type { OutboxChangeStream, OutboxChangeStreamOptions, PreparedOutboxRow } from './outbox.dialect.js';

type ReplicationPackage = typeof import('pg-logical-replication');

/** PostgreSQL's SQLSTATE for "replication slot … is active for PID …": another relay streams it. */
const SLOT_IN_USE = '55006';
/** An idle stream writes a heartbeat message this often at most, so the slot's position follows the WAL. */
const HEARTBEAT_EVERY_MS = 10_000;
/** Codec of the stand-in row for a message that could not be read: the relay sees an unknown codec and stores it dead. */
const UNREADABLE_CODEC = 'unreadable';

/** Loads the optional peer package once, or says which package to install. */
let loading: Promise<ReplicationPackage> | undefined;
function loadReplicationPackage(): Promise<ReplicationPackage> {
  loading ??= import('pg-logical-replication').catch((error: unknown) => {
    loading = undefined;
    throw new ConfigurationException(OUTBOX_CDC_PACKAGE_MISSING, { cause: error });
  });
  return loading;
}

/**
 * The events of one outbox table, read from PostgreSQL's WAL through a
 * logical replication slot with pgoutput (`messages` on) and the
 * pg-logical-replication client. Writers emit one transactional
 * logical-decoding message per transaction (see `encodeWalMessage`); they
 * reach the slot at commit, in commit order, and never if the transaction
 * rolls back.
 *
 * The slot's confirmed position is the only cursor: a batch is acknowledged
 * after the relay's `onBatch` resolved (published, or stored in the table), so
 * a crash replays from the last acknowledged batch (at least once). A slot
 * streams to one connection at a time (PostgreSQL refuses a second with
 * SQLSTATE 55006); relays that find it busy wait and try again every poll
 * interval, and the first to try after the streaming relay went away takes over.
 */
export class PostgresOutboxChangeStream implements OutboxChangeStream {
  streaming = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly prefix: string,
    private readonly options: OutboxChangeStreamOptions,
  ) {}

  async run(onBatch: (rows: PreparedOutboxRow[]) => Promise<void>, signal: AbortSignal): Promise<void> {
    const replication = await loadReplicationPackage();
    const { logger, slotName } = this.options;
    let waiting = false;
    while (!signal.aborted) {
      const outcome = await this.streamOnce(replication, onBatch, signal);
      if (signal.aborted) break;
      if (outcome === 'busy') {
        if (!waiting) logger.log?.(`Outbox slot ${slotName} is streamed by another relay; this one stands by`);
        waiting = true;
      } else {
        waiting = false;
        logger.warn(`Outbox slot ${slotName}: the stream stopped (${outcome?.message ?? 'ended'}); starting again from the last acknowledged event`);
      }
      await sleep(this.options.pollIntervalMs, signal);
    }
  }

  /** Streams until the connection ends, a batch fails, or `signal` aborts; 'busy' when another relay holds the slot. */
  private async streamOnce(
    replication: ReplicationPackage,
    onBatch: (rows: PreparedOutboxRow[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<'busy' | Error | undefined> {
    const { slotName, batchSize, logger } = this.options;
    const service = new replication.LogicalReplicationService(this.clientConfig(), {
      // Never acknowledge on receipt nor on a timer: only after a batch was handled.
      acknowledge: { auto: false, timeoutSeconds: 0 },
      // The socket pauses while a handler awaits: a backlog is read as fast as it is published, not into memory.
      flowControl: { enabled: true },
    });
    const plugin = new replication.PgoutputPlugin({ protoVersion: 1, publicationNames: [slotName], messages: true });

    let transaction: PreparedOutboxRow[] = [];
    let batch: PreparedOutboxRow[] = [];
    let batchLsn: string | undefined;
    let confirmed: string | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    let failure: Error | undefined;
    let scheduled = false;
    /** Batches handed over and not yet handled (at most two: one publishing, one waiting). */
    let queued = 0;
    let lastCommitAt = Date.now();

    const fail = (error: Error) => {
      failure ??= error;
      void service.stop();
    };
    /** A partial batch goes out once nothing is in flight (after what else arrived in the same read joined it). */
    const flushSoon = () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (!queued) void flush();
      });
    };
    /** Hands the batch over behind the one in flight; acknowledges it once handled. */
    const flush = (): Promise<void> => {
      const rows = batch;
      const lsn = batchLsn;
      batch = [];
      batchLsn = undefined;
      if (lsn === undefined) return inFlight;
      queued++;
      inFlight = inFlight.then(async () => {
        try {
          if (failure) return;
          if (rows.length) await onBatch(rows);
          confirmed = lsn;
          await service.acknowledge(lsn);
        } catch (error) {
          fail(error as Error);
        } finally {
          // While a batch publishes, the next one fills rather than going out in small pieces.
          if (--queued === 0 && batchLsn !== undefined) flushSoon();
        }
      });
      return inFlight;
    };

    service.on('error', (error: Error) => {
      failure ??= error;
    });
    service.on('start', () => {
      this.streaming = true;
      logger.log?.(`Outbox slot ${slotName}: this relay streams it`);
    });
    service.on('heartbeat', (_lsn: string, _timestamp: number, shouldRespond: boolean) => {
      if (shouldRespond && confirmed) void service.acknowledge(confirmed);
    });
    service.on('data', async (_lsn: string, message: Pgoutput.Message) => {
      if (failure || signal.aborted) return;
      switch (message.tag) {
        case 'begin':
          transaction = [];
          return;
        case 'message':
          if (message.prefix === this.prefix) transaction.push(...this.read(message));
          return;
        case 'commit': {
          lastCommitAt = Date.now();
          if (transaction.length) batch.push(...transaction);
          transaction = [];
          batchLsn = message.commitEndLsn ?? batchLsn;
          if (batch.length >= batchSize) {
            // One batch publishes while the next fills; the stream pauses here until the one before is done.
            const previous = inFlight;
            void flush();
            await previous;
          } else if (!queued) {
            flushSoon();
          }
          return;
        }
        default:
          return;
      }
    });

    const [slot] = await this.dataSource
      .query(`SELECT confirmed_flush_lsn AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [slotName])
      .catch((error: Error) => [{ error }]);
    if (slot?.error) return slot.error as Error;
    confirmed = slot?.lsn ?? undefined;

    const onAbort = () => void flush().then(() => service.stop());
    signal.addEventListener('abort', onAbort, { once: true });
    // An idle slot still confirms its position now and then, so PostgreSQL can recycle the WAL of other work.
    const heartbeat = setInterval(() => {
      if (this.streaming && Date.now() - lastCommitAt >= HEARTBEAT_EVERY_MS) {
        lastCommitAt = Date.now();
        void this.dataSource.query(`SELECT pg_logical_emit_message(true, $1, ''::bytea)`, [this.prefix]).catch(() => undefined);
      }
    }, Math.min(HEARTBEAT_EVERY_MS, this.options.pollIntervalMs * 5));
    heartbeat.unref?.();
    try {
      await service.subscribe(plugin, slotName);
    } catch (error) {
      if ((error as { code?: string })?.code === SLOT_IN_USE) return 'busy';
      failure ??= error as Error;
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', onAbort);
      this.streaming = false;
      await inFlight;
      await service.destroy().catch(() => undefined);
    }
    return failure;
  }

  /** The events of one message; a message that cannot be read becomes a stand-in the relay stores dead (the stream goes on). */
  private read(message: Pgoutput.MessageMessage): PreparedOutboxRow[] {
    try {
      return decodeWalMessage(message.content);
    } catch (error) {
      return [
        {
          eventId: `unreadable:${message.messageLsn}`,
          eventName: 'unreadable',
          topic: 'unreadable',
          key: null,
          payload: Buffer.from(message.content),
          contentType: 'application/octet-stream',
          codec: UNREADABLE_CODEC,
          headers: JSON.stringify({ reason: (error as Error).message }),
        },
      ];
    }
  }

  /** The data source's connection settings, for a connection of its own in replication mode. */
  private clientConfig(): Record<string, unknown> {
    const o = this.dataSource.options as Extract<DataSourceOptions, { type: 'postgres' }>;
    return {
      connectionString: o.url,
      host: o.host,
      port: o.port,
      user: o.username,
      password: o.password,
      database: o.database,
      ssl: o.ssl,
      application_name: `cqrs-outbox-relay:${this.options.slotName}`,
    };
  }
}
