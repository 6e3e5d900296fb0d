import type { BrokerMessage } from '../brokers/broker-message.js';
import type { MessageBroker } from '../brokers/message-broker.interface.js';
import { intercept } from './method-interceptor.js';

/**
 * What a broker accepted while {@link recordPublishes} watched it.
 * @publicApi
 */
export interface PublishRecording {
  /** Every message a `publish` call resolved for, in the order they were accepted. A rejected call adds nothing. */
  readonly published: readonly BrokerMessage[];
  /** Forgets what was recorded so far (recording goes on). */
  clear(): void;
  /** Stops recording; `published` keeps what it had. */
  stop(): void;
}

/**
 * Records what `broker` accepts from now on: any `MessageBroker` instance
 * (the app's `MESSAGE_BROKER`, a Kafka or RabbitMQ broker in an end-to-end
 * test), patched in place, so the relay and everything else that holds it
 * are recorded too. A message counts once its `publish` call resolved: a
 * publish the broker (or {@link failPublishes}) rejected is not recorded.
 *
 * @example
 * const recording = recordPublishes(app.get(MESSAGE_BROKER));
 * await mediator.send(new JoinMeetingCommand('standup', 'ada'));
 * await drainOutbox(app);
 * expectPublished(recording, { event: UserJoinedMeeting, key: 'standup' });
 * recording.stop();
 * @publicApi
 */
export function recordPublishes(broker: MessageBroker): PublishRecording {
  const published: BrokerMessage[] = [];
  const stop = intercept(broker, 'publish', async ([messages]: [readonly BrokerMessage[]], proceed: (messages: readonly BrokerMessage[]) => Promise<void>) => {
    await proceed(messages);
    published.push(...messages);
  });
  return { published, clear: () => void published.splice(0), stop };
}
