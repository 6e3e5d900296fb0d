import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the consumer pipeline knows while handlers of one incoming event run.
 * Read it with {@link currentConsumerContext} (the inbox does, to key its rows).
 * @publicApi
 */
export interface ConsumerContext {
  /** The consuming service's name, as configured in `EventConsumerModule`. */
  readonly consumerName: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly topic: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

const storage = new AsyncLocalStorage<ConsumerContext>();

/** The context of the incoming event being handled, or `undefined` outside a consumer. @publicApi */
export function currentConsumerContext(): ConsumerContext | undefined {
  return storage.getStore();
}

/** Runs `work` with `context` as the current consumer context. */
export function runInConsumerContext<T>(context: ConsumerContext, work: () => T): T {
  return storage.run(context, work);
}
