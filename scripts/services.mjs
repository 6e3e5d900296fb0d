// The services the tests talk to: where they are, how to tell they are up, and
// how to start one that is down (the same commands this machine kind boots them with).
import { execSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const urls = {
  POSTGRES_URL: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  MARIADB_URL: process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
};

const hostPort = (url) => {
  const u = new URL(url.includes('://') ? url : `tcp://${url.split(',')[0]}`);
  return { host: u.hostname, port: Number(u.port) };
};

export const services = [
  {
    name: 'PostgreSQL',
    ...hostPort(urls.POSTGRES_URL),
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    // The outbox's logical-replication relay needs wal_level = logical; the setting takes a restart.
    configure: configurePostgresWalLevel,
  },
  {
    name: 'MariaDB',
    ...hostPort(urls.MARIADB_URL),
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
  { name: 'RabbitMQ', ...hostPort(urls.AMQP_URL), start: 'rabbitmq-server -detached' },
  { name: 'Kafka', ...hostPort(urls.KAFKA_BROKERS), start: `${root}scripts/kafka.sh start`, ownedByUs: true },
];

export function reachable({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(service, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await reachable(service)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const POSTGRES_RESTART = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart';

/**
 * Sets `wal_level = logical` on the test PostgreSQL when it is not, and
 * restarts the cluster the way this machine kind does (the setting is read at
 * start only). With `dryRun` it only says what it would do. Returns what it did.
 */
export async function configurePostgresWalLevel({ log = console.log, dryRun = false } = {}) {
  const { default: pg } = await import('pg');
  const query = async (sql) => {
    const client = new pg.Client({ connectionString: urls.POSTGRES_URL });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const [{ wal_level: walLevel }] = await query('SHOW wal_level');
  if (walLevel === 'logical') return 'already logical';
  log(`[services] PostgreSQL has wal_level = ${walLevel}; the logical-replication relay needs logical: ALTER SYSTEM SET wal_level = logical, then ${POSTGRES_RESTART}`);
  if (dryRun) return 'would set wal_level = logical and restart';
  await query('ALTER SYSTEM SET wal_level = logical');
  execSync(POSTGRES_RESTART, { stdio: 'inherit', cwd: root, shell: '/bin/bash' });
  const postgres = services.find((s) => s.name === 'PostgreSQL');
  if (!(await waitFor(postgres, 120))) throw new Error(`PostgreSQL did not come back after the restart. Run: ${POSTGRES_RESTART}`);
  const [{ wal_level: now }] = await query('SHOW wal_level');
  if (now !== 'logical') throw new Error(`PostgreSQL still has wal_level = ${now} after the restart`);
  return 'set wal_level = logical and restarted';
}

/**
 * Makes sure every service answers, starting those that do not. Returns the
 * services this call started itself (so the caller can stop them). Throws,
 * naming the command to run, when a service cannot be started.
 */
export async function ensureServices({ log = console.log } = {}) {
  const started = [];
  for (const service of services) {
    if (await reachable(service)) {
      await service.configure?.({ log });
      continue;
    }
    log(`[services] ${service.name} is not answering on ${service.host}:${service.port}; starting it: ${service.start}`);
    try {
      execSync(service.start, { stdio: 'inherit', cwd: root, shell: '/bin/bash' });
    } catch (error) {
      throw new Error(`${service.name} could not be started (${error.message}). Start it with: ${service.start}`);
    }
    if (!(await waitFor(service, 120))) {
      throw new Error(`${service.name} is still not answering on ${service.host}:${service.port}. Start it with: ${service.start}`);
    }
    await service.configure?.({ log });
    if (service.ownedByUs) started.push(service);
  }
  return started;
}

export function stopStarted(started) {
  for (const service of started) {
    if (service.name === 'Kafka') execSync(`${root}scripts/kafka.sh stop`, { stdio: 'inherit', cwd: root });
  }
}
