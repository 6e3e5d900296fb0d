import type { BrokerMessage, MessageBroker } from 'nestjs-cqrs-broker';

/**
 * Passes publishes through to a broker and counts what it accepted, so a
 * benchmark knows when a backlog has gone out without polling the table.
 */
export class CountingBroker implements MessageBroker {
  private published = 0;
  private target = Number.POSITIVE_INFINITY;
  private reached?: () => void;

  constructor(private readonly inner: MessageBroker) {}

  get count(): number {
    return this.published;
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    await this.inner.publish(messages);
    this.published += messages.length;
    if (this.published >= this.target) this.reached?.();
  }

  /** Resets the count; resolves once `target` more messages were accepted. */
  expect(target: number): Promise<void> {
    this.published = 0;
    this.target = target;
    return new Promise((resolve) => (this.reached = resolve));
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
