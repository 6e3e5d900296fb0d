import type { DataSource, QueryRunner } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { DATABASE_ALREADY_FAILING } from '../errors/messages.js';
import { intercept } from './method-interceptor.js';
import { connectionRefused, databaseUnavailable, defaultPort } from './simulated-errors.js';

/**
 * What the statements of a failing database reject with:
 * - `'unavailable'`: TypeORM's `QueryFailedError` around the database's own
 *   error, as when the server is restarting or gone mid-connection:
 *   PostgreSQL `57P03` ("the database system is starting up"), MySQL/MariaDB
 *   `PROTOCOL_CONNECTION_LOST` (`fatal`), SQLite `SQLITE_BUSY` ("database is locked").
 * - `'connection-refused'`: the `ECONNREFUSED` socket error a client gets
 *   while the server is down, unwrapped (TypeORM rethrows connection errors as they are).
 * - a function: returns (or throws) the error for the statement.
 * @publicApi
 */
export type DatabaseFailure = 'unavailable' | 'connection-refused' | ((statement: string) => unknown);

/** Options of {@link failDatabase}. @publicApi */
export interface FailDatabaseOptions {
  /** How long the outage lasts, from the call, in ms. */
  readonly forMs: number;
  /**
   * What failing statements reject with.
   * @default 'unavailable'
   */
  readonly failure?: DatabaseFailure;
}

/** A database outage started by {@link failDatabase}. @publicApi */
export interface DatabaseOutage {
  /** Statements rejected so far: assert it is above 0 to know the outage hit what you tested. */
  readonly failures: number;
  /** True until the outage ends. */
  readonly active: boolean;
  /** Resolves when the outage ends (after `forMs`, or at {@link end}). */
  readonly ended: Promise<void>;
  /** Ends the outage now. */
  end(): void;
}

/** Statements that open or abandon a transaction run during an outage, so TypeORM's query runners stay consistent after it. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|SAVEPOINT|ROLLBACK)\b/i;

const failing = new WeakSet<DataSource>();

/**
 * Makes `dataSource` fail for `forMs` ms, as a database that is down or
 * restarting does: every statement run through it (repositories, entity
 * managers, `dataSource.transaction`, the inbox, the outbox and its relay)
 * rejects with a driver-shaped error (see {@link DatabaseFailure}), then it
 * works again by itself. Statements that begin or roll back a transaction
 * still run, so the first statement inside a transaction is the one that
 * fails, and the rollback leaves the connection clean. Query runners created
 * before the outage and still held (a transaction already running) are not
 * affected.
 *
 * The errors carry the codes the consumers' `isTransientFailure` knows, so a
 * consumer waits the outage out instead of spending the message's attempts.
 *
 * @example
 * const outage = failDatabase(app.get(DataSource), { forMs: 500 });
 * const [outcome] = await deliver(app, new UserJoinedMeeting({ payload, key }));
 * expect(outcome.status).toBe('handled');
 * expect(outage.failures).toBeGreaterThan(0);
 * @publicApi
 */
export function failDatabase(dataSource: DataSource, options: FailDatabaseOptions): DatabaseOutage {
  const { forMs, failure = 'unavailable' } = options;
  if (!Number.isFinite(forMs) || forMs < 0) throw new InvalidOptionException('failDatabase forMs', 'zero or more', forMs);
  if (failing.has(dataSource)) throw new ConfigurationException(DATABASE_ALREADY_FAILING);
  failing.add(dataSource);
  const databaseType = String(dataSource.options.type);
  // Loaded here rather than at import: the testing entry point must not need TypeORM.
  const typeorm = import('typeorm');
  typeorm.catch(() => undefined);
  const errorFor = async (statement: string, parameters: unknown): Promise<unknown> => {
    if (typeof failure === 'function') return failure(statement);
    if (failure === 'connection-refused') return connectionRefused('127.0.0.1', defaultPort(databaseType));
    const { QueryFailedError } = await typeorm;
    return new QueryFailedError(statement, parameters as unknown[] | undefined, databaseUnavailable(databaseType));
  };

  let failures = 0;
  let active = true;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const restores: Array<() => void> = [];
  const patched = new WeakSet<object>();
  const patchRunner = (runner: QueryRunner) => {
    if (patched.has(runner)) return;
    patched.add(runner);
    restores.push(
      intercept(runner, 'query', async (args: unknown[], proceed: (...args: unknown[]) => Promise<unknown>) => {
        const [statement, parameters] = args as [string, unknown];
        if (!active || TRANSACTION_CONTROL.test(statement)) return proceed(...args);
        failures++;
        throw await errorFor(statement, parameters);
      }),
    );
  };
  // Every statement goes through a query runner the DataSource creates (SQLite's one shared runner included).
  restores.push(
    intercept(dataSource, 'createQueryRunner', (args: unknown[], proceed: (...args: unknown[]) => QueryRunner) => {
      const runner = proceed(...args);
      patchRunner(runner);
      return runner;
    }),
  );

  const end = () => {
    if (!active) return;
    active = false;
    clearTimeout(timer);
    for (const restore of restores.splice(0)) restore();
    failing.delete(dataSource);
    resolveEnded();
  };
  const timer = setTimeout(end, forMs);
  return {
    get failures() {
      return failures;
    },
    get active() {
      return active;
    },
    ended,
    end,
  };
}
