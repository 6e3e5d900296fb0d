// The consumer's one classifier of failures, fed with errors the real drivers raise: what it calls transient is waited
// out without spending attempts, everything else is a handler failure (bounded retry, then the dead letter).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource, type QueryRunner } from 'typeorm';
import { isNonRetryable, isTransientFailure, NonRetryableException } from 'nestjs-cqrs-broker';
import { POSTGRES_URL } from './support/services.js';

const MARIADB_URL = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The error `work` rejects with (fails the test if it resolves). */
async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

async function connect(options: ConstructorParameters<typeof DataSource>[0]): Promise<DataSource> {
  const dataSource = new DataSource(options);
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new Error(`${options.type} is not reachable (${(error as Error).message}): start it or run \`npm test\`.`);
  }
}

describe('isTransientFailure on PostgreSQL errors', () => {
  let admin: DataSource;
  const table = `transient_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    admin = await connect({ type: 'postgres', url: POSTGRES_URL });
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int)`);
    await admin.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
  });
  afterAll(async () => {
    await admin?.query(`DROP TABLE IF EXISTS ${table}`);
    await admin?.destroy();
  });

  it('calls a refused connection transient (nothing listens on the port)', async () => {
    const url = new URL(POSTGRES_URL);
    url.port = '1';
    const error = await errorOf(() => new DataSource({ type: 'postgres', url: url.toString() }).initialize());
    expect(isTransientFailure(error)).toBe(true);
  });

  it('calls a database that is not accepting connections transient', async () => {
    const database = `transient_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${database}`;
      const error = await errorOf(() => new DataSource({ type: 'postgres', url: url.toString() }).initialize());
      expect(String((error as Error).message)).toMatch(/is not currently accepting connections/);
      expect(isTransientFailure(error)).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    }
  });

  it.each([
    ['at once', 0],
    ['once the connection saw the termination (TypeORM has then released the runner)', 50],
  ])('calls a query on a terminated connection transient, queried %s', async (_when, waitMs) => {
    const dataSource = await connect({ type: 'postgres', url: POSTGRES_URL, poolSize: 1 });
    const runner = dataSource.createQueryRunner();
    try {
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
      // 57P01 or "Connection terminated" if the query goes out first; QueryRunnerAlreadyReleasedError if the error came first.
      const error = await errorOf(() => runner.query('SELECT 1'));
      if (waitMs) expect((error as Error).name).toBe('QueryRunnerAlreadyReleasedError');
      expect(isTransientFailure(error)).toBe(true);
    } finally {
      await runner.release().catch(() => undefined);
      await dataSource.destroy().catch(() => undefined);
    }
  });

  it('calls a serialization failure (40001) and a lock timeout (55P03) transient', async () => {
    const dataSource = await connect({ type: 'postgres', url: POSTGRES_URL, poolSize: 4 });
    const [a, b] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    try {
      await a.startTransaction('SERIALIZABLE');
      await b.startTransaction('SERIALIZABLE');
      await a.query(`SELECT sum(n) FROM ${table}`);
      await b.query(`SELECT sum(n) FROM ${table}`);
      await a.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);
      await b.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`);
      await a.commitTransaction();
      const serialization = await errorOf(() => b.commitTransaction());
      expect((serialization as { driverError?: { code?: string } }).driverError?.code ?? (serialization as { code?: string }).code).toBe('40001');
      expect(isTransientFailure(serialization)).toBe(true);
      if (b.isTransactionActive) await b.rollbackTransaction();

      await a.startTransaction();
      await a.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      await b.startTransaction();
      await b.query(`SET LOCAL lock_timeout = '50ms'`);
      const lockTimeout = await errorOf(() => b.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`));
      expect(isTransientFailure(lockTimeout)).toBe(true);
      await b.rollbackTransaction();
      await a.rollbackTransaction();
    } finally {
      await release(a, b);
      await dataSource.destroy();
    }
  });

  it('calls a handler\'s own database mistakes (unique violation, syntax error, missing table) not transient', async () => {
    for (const sql of [`INSERT INTO ${table} VALUES (1, 0)`, 'SELEC 1', 'SELECT * FROM no_such_table_here']) {
      expect(isTransientFailure(await errorOf(() => admin.query(sql)))).toBe(false);
    }
  });
});

describe('isTransientFailure on MariaDB errors', () => {
  let dataSource: DataSource;
  const table = `transient_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    dataSource = await connect({ type: 'mariadb', url: MARIADB_URL, poolSize: 4 });
    await dataSource.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int) ENGINE=InnoDB`);
    await dataSource.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
  });
  afterAll(async () => {
    await dataSource?.query(`DROP TABLE IF EXISTS ${table}`);
    await dataSource?.destroy();
  });

  it('calls a lock wait timeout (ER_LOCK_WAIT_TIMEOUT) and a deadlock (ER_LOCK_DEADLOCK) transient', async () => {
    const [a, b] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    try {
      await a.startTransaction();
      await a.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`);
      await b.query('SET SESSION innodb_lock_wait_timeout = 1');
      await b.startTransaction();
      const lockWait = await errorOf(() => b.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`));
      expect((lockWait as { driverError?: { code?: string } }).driverError?.code).toBe('ER_LOCK_WAIT_TIMEOUT');
      expect(isTransientFailure(lockWait)).toBe(true);
      await b.rollbackTransaction();

      await b.query('SET SESSION innodb_lock_wait_timeout = 10');
      await b.startTransaction();
      await b.query(`SELECT * FROM ${table} WHERE id = 2 FOR UPDATE`);
      const waiting = errorOf(() => a.query(`SELECT * FROM ${table} WHERE id = 2 FOR UPDATE`)).catch((error) => error);
      await new Promise((resolve) => setTimeout(resolve, 200)); // a waits for b's lock, then b closes the cycle
      const second = await errorOf(() => b.query(`SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`)).catch(() => undefined);
      const deadlock = (second ?? (await waiting)) as { driverError?: { code?: string } };
      expect(deadlock.driverError?.code).toBe('ER_LOCK_DEADLOCK');
      expect(isTransientFailure(deadlock)).toBe(true);
    } finally {
      await release(a, b);
    }
  });

  it('calls a killed connection transient, and a duplicate key not', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const [{ id }] = await runner.query('SELECT CONNECTION_ID() AS id');
      await dataSource.query(`KILL CONNECTION ${Number(id)}`);
      expect(isTransientFailure(await errorOf(() => runner.query('SELECT 1')))).toBe(true);
    } finally {
      await runner.release().catch(() => undefined);
    }
    expect(isTransientFailure(await errorOf(() => dataSource.query(`INSERT INTO ${table} VALUES (1, 0)`)))).toBe(false);
  });
});

describe('isTransientFailure on network and broker errors', () => {
  it('calls a refused socket transient, also when a handler wrapped it as the cause of its own error', async () => {
    const refused = await errorOf(
      () =>
        new Promise((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port: 1 });
          socket.once('connect', resolve);
          socket.once('error', reject);
        }),
    );
    expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isTransientFailure(refused)).toBe(true);
    expect(isTransientFailure(new Error('could not book the room', { cause: refused }))).toBe(true);
    expect(isTransientFailure(new Error('room 7 does not exist'))).toBe(false);
    expect(isTransientFailure('a string')).toBe(false);
  });

  it('calls a Kafka broker that cannot be reached transient', async () => {
    const producer = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 500 }).producer();
    expect(isTransientFailure(await errorOf(() => producer.connect()))).toBe(true);
  });

  it('a handler marks an error non-retryable with NonRetryableException or nonRetryable: true anywhere in the cause chain; it wins over a transient cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const marked = new NonRetryableException('the room was deleted', { cause: refused });
    expect(isNonRetryable(marked)).toBe(true);
    expect(isNonRetryable(new Error('wrapped', { cause: marked }))).toBe(true);
    expect(isNonRetryable(Object.assign(new Error('rejected by policy'), { nonRetryable: true }))).toBe(true);
    expect(isNonRetryable(refused)).toBe(false);
    expect(isNonRetryable(new Error('plain'))).toBe(false);
  });
});

async function release(...runners: QueryRunner[]): Promise<void> {
  for (const runner of runners) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    await runner.release().catch(() => undefined);
  }
}
