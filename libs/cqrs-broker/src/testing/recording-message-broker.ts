import type { BrokerMessage } from '../brokers/broker-message.js';
import { InMemoryMessageBroker } from '../brokers/in-memory-message-broker.js';

/**
 * The in-memory broker, keeping every message it accepted: give it to
 * `CqrsBrokerModule.forRoot({ broker })` in a test and assert on
 * {@link published} with `expectPublished`. It is an `InMemoryMessageBroker`,
 * so `InMemoryEventConsumer` consumes from it as usual.
 *
 * @example
 * const broker = new RecordingMessageBroker();
 * const moduleRef = await Test.createTestingModule({ imports: [CqrsBrokerModule.forRoot({ broker }), ...] }).compile();
 * // ... run a command, then drainOutbox(moduleRef)
 * expectPublished(broker, { event: UserJoinedMeeting, payload: { userId: 'ada' } });
 * @publicApi
 */
export class RecordingMessageBroker extends InMemoryMessageBroker {
  private readonly accepted: BrokerMessage[] = [];

  /** Every message published so far, in publish order. */
  get published(): readonly BrokerMessage[] {
    return this.accepted;
  }

  override async publish(messages: readonly BrokerMessage[]): Promise<void> {
    await super.publish(messages);
    this.accepted.push(...messages);
  }

  /** Forgets the messages published so far. */
  clear(): void {
    this.accepted.splice(0);
  }
}
