/**
 * Wakes the relay of this process when a transaction that added outbox rows
 * commits, so events go out at once instead of at the next poll. Wake-ups
 * that arrive while the relay is busy are remembered (one is enough): the
 * relay claims again as soon as it finishes.
 * @publicApi
 */
export class OutboxWakeup {
  private pending = false;
  private readonly waiters = new Set<() => void>();

  notify(): void {
    this.pending = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Resolves on a wake-up (pending or new), after `ms`, or on abort; true when woken. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending || signal?.aborted) {
      const woken = this.pending;
      this.pending = false;
      return Promise.resolve(woken);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(onWake);
        signal?.removeEventListener('abort', onAbort);
        if (woken) this.pending = false;
        resolve(woken);
      };
      const onWake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(onWake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
