/**
 * The one place that tells a transient infrastructure failure (a database or
 * broker that is down, restarting, overloaded, or a transaction that lost a
 * lock race) from a failure of the handler's own logic. The consumers wait
 * out the first kind without spending a message's attempts and retry the
 * second kind a bounded number of times. Core code: it knows drivers only by
 * the codes and names their errors carry, and imports none of them.
 */

/** A test of whether an error is a transient infrastructure failure (`EventConsumerModule`'s `outage.isTransient`). @publicApi */
export type TransientFailureTest = (error: unknown) => boolean;

/** Node.js socket and DNS error codes of an unreachable or dropped peer. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN']);

/** PostgreSQL SQLSTATEs (class 08, connection exception, is matched as a class). */
const POSTGRES_CODES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, server stop)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovery)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
]);

/** MySQL / MariaDB (mysql2) error codes, and the same as numbers. */
const MYSQL_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);
const MYSQL_ERRNOS = new Set([1205, 1213, 1040, 1053, 1927, 2006, 2013]);

const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** Names of error classes that mean "not connected" (TypeORM) or "broker unreachable" (kafkajs). */
const TRANSIENT_NAMES = new Set([
  'CannotExecuteNotConnectedError',
  'ConnectionIsNotSetError',
  // TypeORM releases a query runner itself when its PostgreSQL connection fails (pg_terminate_backend, a restart),
  // so the next query on it reports this instead of the connection's error. (Code that queries a runner after
  // releasing it gets the same error: a bug, which is then waited out as an outage up to outage.maxWaitMs.)
  'QueryRunnerAlreadyReleasedError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** Our own codes of a bounded wait on a broker that did not answer. */
const TRANSIENT_LIBRARY_CODES = new Set(['CQRS_BROKER_TIMEOUT']);

/** Messages of drivers that put no code on these errors (pg's client and pool, PostgreSQL's 55000). */
const TRANSIENT_MESSAGES = [
  /is not currently accepting connections/i,
  /terminating connection due to administrator command/i,
  /Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Can't add new command when connection is in closed state/i,
];

/** The error, its `cause`s, TypeORM's `driverError` and an `AggregateError`'s `errors`, each once, nearest first. */
export function errorChain(error: unknown, limit = 20): unknown[] {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length && seen.size < limit) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.has(next)) continue;
    seen.add(next);
    if (typeof next !== 'object') continue;
    const { cause, driverError, errors } = next as { cause?: unknown; driverError?: unknown; errors?: unknown };
    queue.push(driverError, cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return [...seen];
}

function isTransientLink(link: unknown): boolean {
  if (typeof link !== 'object' || link === null) return false;
  const { code, errno, name, message, retriable, fatal } = link as Record<string, unknown>;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || MYSQL_CODES.has(code) || SQLITE_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true; // PostgreSQL class 08: connection exception
    if (TRANSIENT_LIBRARY_CODES.has(code)) return true;
  }
  if (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) return true;
  if (typeof name === 'string') {
    if (TRANSIENT_NAMES.has(name)) return true;
    // kafkajs marks errors a retry can fix (leader moved, coordinator loading…).
    if (name.startsWith('KafkaJS') && retriable === true) return true;
  }
  // mysql2 flags errors after which its connection is dead.
  if (fatal === true && typeof code === 'string') return true;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Whether `error` (or anything in its cause chain) is a transient
 * infrastructure failure: a database or broker unreachable, restarting or
 * refusing connections (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…;
 * PostgreSQL class 08, 57P01, 57P03, "is not currently accepting
 * connections"; MySQL/MariaDB lost connections), a lost lock race
 * (serialization failure 40001, deadlock 40P01, lock timeouts
 * `ER_LOCK_WAIT_TIMEOUT` / `ER_LOCK_DEADLOCK`, `SQLITE_BUSY`), TypeORM's
 * not-connected errors, kafkajs connection errors and the library's own
 * `TimeoutException`. The default of `EventConsumerModule`'s
 * `outage.isTransient`; compose it to add your driver's codes.
 *
 * @example
 * EventConsumerModule.forRoot({ name: 'billing', outage: { isTransient: (e) => isTransientFailure(e) || isMyDriverDown(e) } });
 * @publicApi
 */
export function isTransientFailure(error: unknown): boolean {
  return errorChain(error).some(isTransientLink);
}

/**
 * Whether a handler marked `error` as not worth retrying: a
 * `NonRetryableException`, or any error of the cause chain with
 * `nonRetryable: true`. Such a message is dead-lettered at once.
 * @publicApi
 */
export function isNonRetryable(error: unknown): boolean {
  return errorChain(error).some((link) => typeof link === 'object' && link !== null && (link as { nonRetryable?: unknown }).nonRetryable === true);
}
