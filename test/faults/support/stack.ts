// One scenario's running system: fresh services, the sample's consumer,
// relay(s) and API as child processes, a producer of known events, and the
// counts at the consumer.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventSerializer, IntegrationEventRegistry, NotificationEvent } from 'nestjs-cqrs-broker';
import { createOutboxDialect, createOutboxEntity, OutboxCommitSubscriber, OutboxRepository, OutboxWakeup, type OutboxRelaySource } from 'nestjs-cqrs-broker/outbox';
import { DataSource } from 'typeorm';
import { AppProcess, logPath } from './processes.js';
import { runDir } from './paths.js';
import { POSTGRES_URL, prepareServices, query, withPostgres, type BrokerKind, type DatabaseKind, type Services } from './services.js';

export const EVENT_NAME = 'user_joined_meeting';
export const TOPIC = 'meeting_notifications';

export interface StackOptions {
  /** Lowercase slug of the scenario (database, vhost and log names). */
  readonly slug: string;
  readonly broker: BrokerKind;
  readonly database: DatabaseKind;
  readonly relays?: number;
  /** Start the API (RUN_RELAY=false). Default true. */
  readonly api?: boolean;
  readonly consumerEnv?: Record<string, string>;
  readonly relayEnv?: Record<string, string>;
  /** Give the consumer a PostgreSQL database of its own (API and relays keep theirs), so a fault can take it away alone. */
  readonly ownConsumerDatabase?: boolean;
  /** The relays' source (OUTBOX_SOURCE); `logical-replication` also makes the producer and the API write WAL messages. Default 'table'. */
  readonly source?: OutboxRelaySource;
}

/** One produced event: what the test knows about it. */
export interface ProducedEvent {
  readonly eventId: string;
  readonly meetingId: string;
  readonly userId: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class Stack {
  readonly dir: string;
  readonly deliveryLog: string;
  readonly relays: AppProcess[] = [];
  consumer!: AppProcess;
  api?: AppProcess;
  apiPort = 0;
  consumerPort = 0;
  private producerSource?: DataSource;
  private repository?: OutboxRepository;

  private constructor(
    readonly options: StackOptions,
    readonly services: Services,
  ) {
    this.dir = join(runDir(), `${options.slug}-${options.broker}-${options.database}`);
    mkdirSync(this.dir, { recursive: true });
    this.deliveryLog = join(this.dir, 'deliveries.tsv');
  }

  /** Prepares fresh services and starts consumer, relay(s) and API, in that order (the consumer declares the queue the relay publishes to). */
  static async start(options: StackOptions): Promise<Stack> {
    const services = await prepareServices(options.slug, options.broker, options.database, { ownConsumerDatabase: options.ownConsumerDatabase });
    const stack = new Stack(options, services);
    try {
      stack.consumerPort = await freePort();
      stack.consumer = new AppProcess('consumer', 'consumer', stack.consumerEnv(), logPath(stack.dir, 'consumer'));
      await stack.consumer.start();
      for (let i = 1; i <= (options.relays ?? 1); i++) {
        const relay = stack.addRelay();
        // One at a time: each synchronizes the schema on start.
        await relay.start();
      }
      if (options.api ?? true) {
        stack.apiPort = await freePort();
        stack.api = new AppProcess('api', 'api', stack.baseEnv({ PORT: String(stack.apiPort), RUN_RELAY: 'false' }), logPath(stack.dir, 'api'));
        await stack.api.start();
      }
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  private baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const { PATH, HOME, LANG, TZ } = process.env;
    const source = this.options.source ?? 'table';
    // The slot is named for the run (slot names are cluster-wide); the teardown drops it with the database.
    const cdc = source === 'table' ? {} : { OUTBOX_SOURCE: source, OUTBOX_SLOT: this.slotName };
    return { PATH, HOME, LANG, TZ, NODE_ENV: 'production', NO_COLOR: '1', DATABASE_URL: this.services.databaseUrl, BROKER_URL: this.services.brokerUrl, ...cdc, ...extra };
  }

  /** The replication slot of a `logical-replication` run. */
  get slotName(): string {
    return this.services.databaseName;
  }

  private consumerEnv(): NodeJS.ProcessEnv {
    return this.baseEnv({
      PORT: String(this.consumerPort),
      DATABASE_URL: this.services.consumerDatabaseUrl,
      CONSUMER_GROUP: this.services.consumerGroup,
      DELIVERY_LOG: this.deliveryLog,
      ...this.options.consumerEnv,
    });
  }

  /** A relay process (not started yet) on the relays' database URL. */
  addRelay(): AppProcess {
    const n = this.relays.length + 1;
    const relay = new AppProcess(`relay-${n}`, 'relay', this.baseEnv({ DATABASE_URL: this.services.relayDatabaseUrl, ...this.options.relayEnv }), logPath(this.dir, `relay-${n}`));
    this.relays.push(relay);
    return relay;
  }

  get relay(): AppProcess {
    return this.relays[0];
  }

  async stop(): Promise<void> {
    const all = [this.api, ...this.relays, this.consumer].filter((p): p is AppProcess => !!p);
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
    await this.producerSource?.destroy().catch(() => undefined);
    if (process.env.FAULTS_KEEP_DATA !== '1') await this.services.teardown();
  }

  // ---- producing ----

  private async outbox(): Promise<OutboxRepository> {
    if (this.repository) return this.repository;
    const type = this.services.database === 'postgres' ? 'postgres' : 'mariadb';
    const dataSource = new DataSource({ type, url: this.services.databaseUrl, entities: [createOutboxEntity({ databaseType: type })], poolSize: 4 } as never);
    await dataSource.initialize();
    this.producerSource = dataSource;
    const wakeup = new OutboxWakeup();
    const commits = new OutboxCommitSubscriber(dataSource, wakeup);
    commits.attach();
    const serializer = new EventSerializer(new IntegrationEventRegistry());
    // notify: on PostgreSQL the commit wakes the relays at once (as it does for the API's own inserts).
    const source = this.options.source ?? 'table';
    const dialect = createOutboxDialect(dataSource, 'outbox');
    if (source === 'logical-replication') await dialect.prepareChangeCapture(this.slotName);
    this.repository = new OutboxRepository(dialect, serializer, 'none', commits, type === 'postgres', source);
    return this.repository;
  }

  /** `count` new events with unique ids (one meeting each, as the API's joins make them). */
  static events(count: number, prefix: string): ProducedEvent[] {
    return Array.from({ length: count }, (_, i) => ({ eventId: randomUUID(), meetingId: `${prefix}-m${i}`, userId: `${prefix}-u${i}` }));
  }

  /**
   * Writes events straight into the outbox (OutboxRepository, as a handler's
   * transaction would), `chunk` per transaction, at about `perSecond`.
   */
  async insert(events: readonly ProducedEvent[], { chunk = 250, perSecond = Infinity }: { chunk?: number; perSecond?: number } = {}): Promise<void> {
    const repository = await this.outbox();
    const started = Date.now();
    for (let i = 0; i < events.length; i += chunk) {
      const slice = events.slice(i, i + chunk);
      await this.producerSource!.transaction((manager) =>
        repository.add(
          manager,
          slice.map((e) => new NotificationEvent({ eventName: EVENT_NAME, topic: TOPIC, eventId: e.eventId, key: e.meetingId, payload: { meetingId: e.meetingId, userId: e.userId } })),
        ),
      );
      if (Number.isFinite(perSecond)) {
        const due = started + ((i + slice.length) / perSecond) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
    }
  }

  /**
   * Joins `count` users to meetings through the API (`POST /meetings/:id/participants`),
   * `concurrency` requests at a time; each 201 is one user_joined_meeting event. Returns the meeting ids joined.
   */
  async joinViaHttp(count: number, prefix: string, { concurrency = 16, perSecond = Infinity }: { concurrency?: number; perSecond?: number } = {}): Promise<{ ok: number; failed: number }> {
    let next = 0;
    let ok = 0;
    let failed = 0;
    const started = Date.now();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        if (Number.isFinite(perSecond)) {
          const due = started + (i / perSecond) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        const response = await fetch(`http://127.0.0.1:${this.apiPort}/meetings/${prefix}-m${i}/participants`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `${prefix}-u${i}` }),
        }).catch(() => undefined);
        await response?.arrayBuffer().catch(() => undefined);
        if (response?.status === 201) ok++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { ok, failed };
  }

  // ---- faults ----

  /**
   * The consumer's own database refuses connections for `ms` (`ownConsumerDatabase`, PostgreSQL): `ALTER
   * DATABASE … ALLOW_CONNECTIONS false` (superusers are refused too), then `pg_terminate_backend` of every
   * session on it, again every 500 ms (one may have been connecting as the ALTER ran); then `ALLOW_CONNECTIONS
   * true`. Runs from a connection to the server's own database, never stops the server (other work shares it).
   * Resolves with how many sessions were ended and how long connections were refused.
   */
  async consumerDatabaseOutage(ms: number): Promise<{ terminated: number; refusedMs: number }> {
    if (!this.options.ownConsumerDatabase) throw new Error('consumerDatabaseOutage needs ownConsumerDatabase (the API and relays would lose their database too)');
    const name = this.services.consumerDatabaseName;
    return withPostgres(POSTGRES_URL, async (db) => {
      let terminated = 0;
      const terminate = async () => {
        const rows: Array<{ ended: boolean }> = await db.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        terminated += rows.filter((r) => r.ended).length;
      };
      await db.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      const from = Date.now();
      try {
        await terminate();
        while (Date.now() - from < ms) {
          await sleep(Math.min(500, Math.max(0, ms - (Date.now() - from))));
          await terminate();
        }
      } finally {
        await db.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      }
      return { terminated, refusedMs: Date.now() - from };
    });
  }

  // ---- counting ----

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return query<T>(this.services, sql, params);
  }

  /** A query on the consumer's database (the same as {@link query}'s unless `ownConsumerDatabase`). */
  consumerQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return query<T>(this.services, sql, params, this.services.consumerDatabaseUrl);
  }

  /** Event ids of the user_joined_meeting rows in the outbox (what the API committed). */
  async outboxEventIds(): Promise<string[]> {
    const rows = await this.query<{ event_id: string }>(`SELECT event_id FROM outbox WHERE event_name = '${EVENT_NAME}'`);
    return rows.map((r) => r.event_id);
  }

  async outboxCount(): Promise<number> {
    const [row] = await this.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM outbox');
    return Number(row.n);
  }

  async handledCount(): Promise<number> {
    const [row] = await this.consumerQuery<{ n: string | number }>('SELECT COUNT(*) AS n FROM notifications');
    return Number(row.n);
  }

  /**
   * Polls until `expected` notifications exist (or `deadlineMs` passes); resolves with the time the
   * count was first seen complete (ms since epoch) or undefined.
   */
  async waitHandled(expected: number, deadlineMs: number, intervalMs = 250): Promise<number | undefined> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const handled = await this.handledCount().catch(() => -1);
      if (handled >= expected) return Date.now();
      if (Date.now() > deadline) return undefined;
      await sleep(intervalMs);
    }
  }

  /**
   * Lets the system come to rest before counting: no outbox row pending (rows a killed relay
   * published but did not mark go out again once their lease runs out: up to 30 s), then no new
   * delivery for 1.5 s, so the redeliveries that causes are counted too.
   */
  async settle(deadlineMs = 90_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline && (await this.outboxState().catch(() => ({ pending: 0 }))).pending > 0) await sleep(500);
    const size = () => (existsSync(this.deliveryLog) ? statSync(this.deliveryLog).size : 0);
    let last = -1;
    while (Date.now() < deadline && size() !== last) {
      last = size();
      await sleep(1500);
    }
  }

  /** The counts at the consumer for the events the test produced, once the system has settled. */
  async tally(expectedIds: Iterable<string>): Promise<Tally> {
    await this.settle();
    const expected = new Set(expectedIds);
    const notifications = await this.consumerQuery<{ event_id: string }>('SELECT event_id FROM notifications');
    const handledIds = new Set<string>();
    let handledRows = 0;
    for (const { event_id } of notifications) {
      if (!expected.has(event_id)) continue;
      handledRows++;
      handledIds.add(event_id);
    }
    const deliveries = existsSync(this.deliveryLog) ? readFileSync(this.deliveryLog, 'utf8').split('\n').filter(Boolean) : [];
    const seen = new Map<string, { processed: number; duplicate: number }>();
    let delivered = 0;
    for (const line of deliveries) {
      const [eventId, outcome] = line.split('\t');
      if (!expected.has(eventId)) continue;
      delivered++;
      const entry = seen.get(eventId) ?? { processed: 0, duplicate: 0 };
      if (outcome === 'processed') entry.processed++;
      else entry.duplicate++;
      seen.set(eventId, entry);
    }
    const processedTwice = [...seen.values()].filter((e) => e.processed > 1).length;
    const lostIds = [...expected].filter((id) => !handledIds.has(id));
    return {
      events: expected.size,
      delivered,
      duplicates: delivered - seen.size,
      inboxSkipped: [...seen.values()].reduce((n, e) => n + e.duplicate, 0),
      handled: handledIds.size,
      handledTwice: handledRows - handledIds.size + processedTwice,
      lost: lostIds.length,
      lostSample: lostIds.slice(0, 5),
    };
  }

  /** Outbox rows by status, and pending rows still leased (claimed) right now. */
  async outboxState(): Promise<{ pending: number; published: number; dead: number; leased: number }> {
    const now = this.services.database === 'postgres' ? 'now()' : 'NOW(3)';
    const rows = await this.query<{ status: string; n: string | number }>('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status');
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const [leased] = await this.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND locked_until > ${now}`);
    return { pending: by.pending ?? 0, published: by.published ?? 0, dead: by.dead ?? 0, leased: Number(leased.n) };
  }
}

export interface Tally {
  /** Events the test produced (and expects handled). */
  readonly events: number;
  /** Deliveries that reached the handler, redeliveries included. */
  readonly delivered: number;
  /** delivered − distinct events delivered. */
  readonly duplicates: number;
  /** Deliveries the inbox recognized as already handled. */
  readonly inboxSkipped: number;
  /** Distinct events with a notification (state changed). */
  readonly handled: number;
  /** Events whose effects were applied more than once: must be 0. */
  readonly handledTwice: number;
  readonly lost: number;
  readonly lostSample: readonly string[];
}
