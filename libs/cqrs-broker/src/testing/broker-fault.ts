import type { BrokerMessage } from '../brokers/broker-message.js';
import type { MessageBroker } from '../brokers/message-broker.interface.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { intercept } from './method-interceptor.js';
import { connectionRefused } from './simulated-errors.js';

/** Options of {@link failPublishes}. @publicApi */
export interface FailPublishesOptions {
  /** How many `publish` calls to reject before passing through again. */
  readonly times: number;
  /**
   * The error each rejected call rejects with.
   * @default an `ECONNREFUSED` socket error, as a client gets from a broker that is down
   */
  readonly error?: (call: number) => unknown;
}

/** A broker failure started by {@link failPublishes}. @publicApi */
export interface BrokerFault {
  /** `publish` calls rejected so far. */
  readonly rejected: number;
  /** `publish` calls still to reject. */
  readonly remaining: number;
  /** Ends the failure now: later calls pass through. */
  restore(): void;
}

/**
 * Makes the next `times` calls of `broker.publish` reject (none of their
 * messages is delivered, as the `MessageBroker` contract says of a rejected
 * publish), then lets calls pass through again by itself. The broker is
 * patched in place, so the app's relay and consumers, which hold it, see the
 * failure: use it on `app.get(MESSAGE_BROKER)`.
 *
 * @example
 * const fault = failPublishes(app.get(MESSAGE_BROKER), { times: 3 });
 * const published = await drainOutbox(app); // the relay retries until the broker takes the batch
 * expect(fault.rejected).toBe(3);
 * @publicApi
 */
export function failPublishes(broker: MessageBroker, options: FailPublishesOptions): BrokerFault {
  const { times, error = () => connectionRefused('127.0.0.1', 9092) } = options;
  if (!Number.isInteger(times) || times < 0) throw new InvalidOptionException('failPublishes times', 'an integer >= 0', times);
  let rejected = 0;
  let ended = false;
  const untap = intercept(broker, 'publish', ([messages]: [readonly BrokerMessage[]], proceed: (messages: readonly BrokerMessage[]) => Promise<void>) => {
    if (rejected >= times) {
      restore();
      return proceed(messages);
    }
    rejected++;
    if (rejected >= times) restore();
    return Promise.reject(error(rejected));
  });
  function restore(): void {
    ended = true;
    untap();
  }
  if (times === 0) restore();
  return {
    get rejected() {
      return rejected;
    },
    get remaining() {
      return ended ? 0 : times - rejected;
    },
    restore,
  };
}
