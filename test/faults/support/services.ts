// The real services a scenario runs against, each scenario on fresh ones: a
// new PostgreSQL or MariaDB database, a RabbitMQ virtual host of its own, and
// our own Kafka broker (scripts/kafka.sh on FAULTS_KAFKA_PORT) with its topics deleted.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KAFKA_PORT, KAFKA_SCRIPT, kafkaEnv } from './paths.js';

const run = promisify(execFile);

export type BrokerKind = 'rabbitmq' | 'kafka';
export type DatabaseKind = 'postgres' | 'mariadb';

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const KAFKA_BROKER = `127.0.0.1:${KAFKA_PORT}`;

/**
 * A password used in every URL the apps get (PostgreSQL trust auth ignores it; MariaDB and RabbitMQ
 * users are created with it), so the secrets check can search the logs for it.
 */
export const SECRET = `s3cret-${randomBytes(6).toString('hex')}`;
const AMQP_USER = `faults-${randomBytes(3).toString('hex')}`;
/** MariaDB user of the relays only, so their connections can be found and killed. */
export const MARIADB_RELAY_USER = 'faults_relay';
/** PostgreSQL application_name of the relays, for pg_terminate_backend. */
export const PG_RELAY_APP = 'faults-relay';

export async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    return (await run('rabbitmqctl', args, { timeout: 60_000 })).stdout;
  } catch (error) {
    throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${(error as Error).message}`);
  }
}

export async function kafkaScript(command: 'start' | 'stop' | 'status', extra: Record<string, string> = {}): Promise<void> {
  try {
    await run(KAFKA_SCRIPT, [command], { env: kafkaEnv(extra), timeout: 240_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`scripts/kafka.sh ${command} on port ${KAFKA_PORT} failed: ${stderr || stdout || (error as Error).message}`);
  }
}

export const kafkaClient = () => new Kafka({ clientId: 'faults-suite', brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });

/** The topics of the sample (and their dead-letter topics, and the replay records of those), deleted so a scenario starts on empty ones. */
const SAMPLE_TOPICS = ['meeting_notifications', 'meeting_room_notifications'];

async function resetKafkaTopics(): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) => SAMPLE_TOPICS.some((s) => t === s || t === `${s}.DLT` || t === `${s}.DLT.replayed`));
    if (existing.length) await admin.deleteTopics({ topics: existing, timeout: 30_000 });
    for (let i = 0; i < 100; i++) {
      const left = (await admin.listTopics()).filter((t) => existing.includes(t));
      if (!left.length) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Kafka topics ${existing.join(', ')} were not deleted`);
  } finally {
    await admin.disconnect();
  }
}

/** The URLs one scenario's processes use, and how to take them down afterwards. */
export interface Services {
  readonly broker: BrokerKind;
  readonly database: DatabaseKind;
  /** API and relays' database; the consumer's too unless it has its own ({@link consumerDatabaseUrl}). */
  readonly databaseUrl: string;
  /** The consumer's database: `databaseUrl`, or a database of its own (`prepareServices(…, { ownConsumerDatabase: true })`). */
  readonly consumerDatabaseUrl: string;
  /** Its name (PostgreSQL), for `ALTER DATABASE … ALLOW_CONNECTIONS`. */
  readonly consumerDatabaseName: string;
  /** Relays (identifiable connections). */
  readonly relayDatabaseUrl: string;
  readonly brokerUrl: string;
  /** The RabbitMQ virtual host (RabbitMQ only). */
  readonly vhost?: string;
  /** The database name. */
  readonly databaseName: string;
  readonly consumerGroup: string;
  teardown(): Promise<void>;
}

let amqpUserReady = false;

async function ensureAmqpUser(): Promise<void> {
  if (amqpUserReady) return;
  await rabbitmqctl('add_user', AMQP_USER, SECRET).catch(async () => rabbitmqctl('change_password', AMQP_USER, SECRET));
  amqpUserReady = true;
}

export async function deleteAmqpUser(): Promise<void> {
  if (amqpUserReady) await rabbitmqctl('delete_user', AMQP_USER).catch(() => undefined);
}

/**
 * Fresh services for scenario `slug` (lowercase letters, digits, underscores). With
 * `ownConsumerDatabase` (PostgreSQL only) the consumer gets a database of its own,
 * `<database>_consumer`, so a fault can take it away without touching the API's and the relays'.
 */
export async function prepareServices(slug: string, broker: BrokerKind, database: DatabaseKind, { ownConsumerDatabase = false }: { ownConsumerDatabase?: boolean } = {}): Promise<Services> {
  const id = `${slug}_${randomBytes(3).toString('hex')}`;
  const databaseName = `faults_${id}`;
  const cleanups: Array<() => Promise<unknown>> = [];
  let databaseUrl: string;
  let relayDatabaseUrl: string;
  let consumerDatabaseUrl: string;
  let consumerDatabaseName = databaseName;
  if (ownConsumerDatabase && database !== 'postgres') throw new Error('ownConsumerDatabase: PostgreSQL only');
  if (database === 'postgres') {
    await withPostgres(POSTGRES_URL, (db) => db.query(`CREATE DATABASE ${databaseName}`));
    if (ownConsumerDatabase) {
      consumerDatabaseName = `${databaseName}_consumer`;
      const name = consumerDatabaseName;
      await withPostgres(POSTGRES_URL, (db) => db.query(`CREATE DATABASE ${name}`));
      // WITH (FORCE) ends its sessions; a database left refusing connections by a failed run is dropped all the same.
      cleanups.push(() => withPostgres(POSTGRES_URL, (db) => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    }
    const url = new URL(POSTGRES_URL);
    url.password = SECRET;
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
    url.pathname = `/${consumerDatabaseName}`;
    consumerDatabaseUrl = url.toString();
    url.pathname = `/${databaseName}`;
    url.searchParams.set('application_name', PG_RELAY_APP);
    relayDatabaseUrl = url.toString();
    cleanups.push(() =>
      withPostgres(POSTGRES_URL, async (db) => {
        // A logical replication slot (relay source 'logical-replication') keeps WAL forever and blocks DROP DATABASE.
        await dropSlotsOf(db, databaseName);
        await db.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      }),
    );
  } else {
    await withMariaDb(MARIADB_URL, async (db) => {
      await db.query(`CREATE DATABASE ${databaseName}`);
      await db.query(`CREATE USER IF NOT EXISTS '${MARIADB_RELAY_USER}'@'%' IDENTIFIED BY '${SECRET}'`);
      await db.query(`ALTER USER '${MARIADB_RELAY_USER}'@'%' IDENTIFIED BY '${SECRET}'`);
      await db.query(`GRANT ALL ON ${databaseName}.* TO '${MARIADB_RELAY_USER}'@'%'`);
    });
    const url = new URL(MARIADB_URL);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
    consumerDatabaseUrl = databaseUrl;
    url.username = MARIADB_RELAY_USER;
    url.password = SECRET;
    relayDatabaseUrl = url.toString();
    cleanups.push(() => withMariaDb(MARIADB_URL, (db) => db.query(`DROP DATABASE IF EXISTS ${databaseName}`)));
  }

  let brokerUrl: string;
  let vhost: string | undefined;
  if (broker === 'rabbitmq') {
    await ensureAmqpUser();
    vhost = `faults-${id}`;
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, AMQP_USER, '.*', '.*', '.*');
    const url = new URL(AMQP_URL);
    url.username = AMQP_USER;
    url.password = SECRET;
    url.pathname = `/${encodeURIComponent(vhost)}`;
    brokerUrl = url.toString();
    const v = vhost;
    cleanups.push(() => rabbitmqctl('delete_vhost', v));
  } else {
    await resetKafkaTopics();
    brokerUrl = `kafka://${KAFKA_BROKER}`;
  }

  const services: Services = {
    broker,
    database,
    databaseUrl,
    relayDatabaseUrl,
    consumerDatabaseUrl,
    consumerDatabaseName,
    brokerUrl,
    vhost,
    databaseName,
    consumerGroup: `faults-${id}`,
    async teardown() {
      await closeQueries(services);
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    },
  };
  return services;
}

/** Drops the replication slots of a database (ending what streams them) and waits until they are gone. */
async function dropSlotsOf(db: DataSource, databaseName: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await db.query(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`, [databaseName]);
    const slots: Array<{ slot_name: string }> = await db.query(`SELECT slot_name FROM pg_replication_slots WHERE database = $1`, [databaseName]);
    if (!slots.length) return;
    for (const { slot_name } of slots) await db.query(`SELECT pg_drop_replication_slot($1)`, [slot_name]).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens a short-lived connection to `url` for `work`. */
async function withDatabase<T>(type: 'postgres' | 'mariadb', url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await new DataSource({ type, url, poolSize: 1 } as never).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export const withPostgres = <T>(url: string, work: (dataSource: DataSource) => Promise<T>) => withDatabase('postgres', url, work);
export const withMariaDb = <T>(url: string, work: (dataSource: DataSource) => Promise<T>) => withDatabase('mariadb', url, work);

const pools = new Map<string, Promise<DataSource>>();

/**
 * Runs one query on the scenario's database, or on `url` (the consumer's), through a small pool kept
 * per database, and returns its rows.
 */
export async function query<T = Record<string, unknown>>(services: Services, sql: string, params: unknown[] = [], url = services.databaseUrl): Promise<T[]> {
  let pool = pools.get(url);
  if (!pool) {
    pool = new DataSource({ type: services.database, url, poolSize: 2 } as never).initialize();
    // A pool that failed to connect (the consumer's database refusing connections) is not kept.
    pool.catch(() => pools.get(url) === pool && pools.delete(url));
    pools.set(url, pool);
  }
  return (await pool).query(sql, params);
}

/** Closes the query pools of a scenario's databases. */
export async function closeQueries(services: Services): Promise<void> {
  for (const url of new Set([services.databaseUrl, services.consumerDatabaseUrl])) {
    const pool = pools.get(url);
    pools.delete(url);
    await (await pool?.catch(() => undefined))?.destroy().catch(() => undefined);
  }
}
