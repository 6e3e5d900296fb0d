import { TimeoutException } from '../errors/timeout.exception.js';

/** Rejects with a {@link TimeoutException} of `message()` if `promise` has not settled within `ms`; the work itself goes on. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutException(message(), ms)), ms);
  });
  promise.catch(() => undefined); // a rejection after the timeout must not become unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
