import type { Options } from 'amqplib';

/**
 * Options of {@link AmqpDeadLetterStore}.
 * @publicApi
 */
export interface AmqpDeadLetterStoreOptions {
  /** `amqp://user:pass@host:port/vhost` (or `amqps://`). */
  readonly url: string;
  /** The consumer's queue: requeued dead letters go back to it. */
  readonly queue: string;
  /**
   * The dead-letter queue to read.
   * @default `${queue}.dlq`
   */
  readonly deadLetterQueue?: string;
  /**
   * Bound on connecting and on each requeued message's publish confirm.
   * @default 30_000 (30 s)
   */
  readonly timeoutMs?: number;
  /**
   * amqplib socket options (TLS, …).
   * @default none
   */
  readonly socketOptions?: Options.Connect | Record<string, unknown>;
}
