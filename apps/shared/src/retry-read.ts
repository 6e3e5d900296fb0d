import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { isTransientFailure } from 'nestjs-cqrs-broker';

const logger = new Logger('RetryRead');

/**
 * Pause before the second try. The driver reports a killed connection's error
 * a moment before it sees the socket close; until then the pool may hand the
 * same dead connection out again.
 */
const RETRY_DELAY_MS = 100;

/**
 * Runs an idempotent read, and once more if it failed on a transient
 * failure: typically a pooled connection the server closed (restart,
 * `pg_terminate_backend`, `KILL`, idle timeout), which the pool drops, so
 * the second try runs on another connection. For queries only: a command
 * is never retried here, since its first try may have committed.
 */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isTransientFailure(error)) throw error;
    logger.warn(`a read failed on a transient failure (${(error as Error)?.name ?? 'error'}); trying once more`);
    await sleep(RETRY_DELAY_MS);
    return read();
  }
}
