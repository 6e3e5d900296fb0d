import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventMediator } from '../events/event-mediator.js';
import { EventSerializer } from '../events/event-serializer.js';
import { MalformedEventException } from '../errors/malformed-event.exception.js';
import type { NotificationEvent } from '../events/notification-event.js';
import { MessageContext } from '../tracing/message-context.js';
import type { ConsumedMessage, ConsumeOutcome } from './consumed-message.js';
import { runInConsumerContext } from './consumer-context.js';
import type { EventConsumerModuleOptions } from './event-consumer-options.interface.js';
import { EVENT_CONSUMER_OPTIONS } from './event-consumer.module-definition.js';
import { backoffDelay } from '../retry/backoff.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import { sleep } from '../retry/sleep.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { CONSUMER_NEEDS_NAME, IN_MEMORY_IS_A_TRANSPORT } from '../errors/messages.js';

/** Default `maxMessageBytes` of a consumer: 1 MiB. @publicApi */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The broker-independent half of every consumer: decodes a message with the
 * `EventSerializer`, runs its handlers through the `EventMediator` (with a
 * bounded, backed-off retry) and tells the transport what to do with it.
 * It never throws for a bad message: malformed messages and handlers that
 * keep failing become `dead-letter` outcomes, so the consumer goes on.
 * @publicApi
 */
@Injectable()
export class EventConsumerPipeline {
  private readonly logger = new Logger(EventConsumerPipeline.name);
  readonly consumerName: string;
  readonly retry: RetryPolicy;
  readonly maxMessageBytes: number;

  constructor(
    private readonly serializer: EventSerializer,
    private readonly mediator: EventMediator,
    @Inject(EVENT_CONSUMER_OPTIONS) options: EventConsumerModuleOptions,
  ) {
    if (!options.name) throw new ConfigurationException(CONSUMER_NEEDS_NAME);
    // A former option: fail loudly rather than consume nothing.
    if ((options as { inMemory?: unknown }).inMemory) throw new ConfigurationException(IN_MEMORY_IS_A_TRANSPORT);
    this.consumerName = options.name;
    this.retry = resolveRetryPolicy(options.retry);
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < 1) {
      throw new InvalidOptionException('maxMessageBytes', 'a positive integer', options.maxMessageBytes);
    }
  }

  async consume(message: ConsumedMessage): Promise<ConsumeOutcome> {
    if (message.signal?.aborted) return { status: 'stopped', attempts: 0 };
    if (message.body.length > this.maxMessageBytes) {
      const reason = `Malformed event: message of ${message.body.length} bytes is larger than maxMessageBytes (${this.maxMessageBytes})`;
      this.logger.error(`${this.consumerName}: dead-lettering a message from "${message.topic}" at once: ${reason}`);
      return { status: 'dead-letter', reason, attempts: 1, malformed: true, eventId: message.headers['event-id'] };
    }
    let event: NotificationEvent<unknown>;
    try {
      event = await this.serializer.fromBody(message.body, message.headers, message.key);
    } catch (error) {
      const reason = error instanceof MalformedEventException ? error.message : `Malformed event: ${describe(error)}`;
      this.logger.error(`${this.consumerName}: dead-lettering a message from "${message.topic}" at once: ${reason}`);
      return { status: 'dead-letter', reason, attempts: 1, malformed: true, eventId: message.headers['event-id'] };
    }

    const { eventId, eventName } = event;
    // Events the handlers produce carry this event's correlation id and trace.
    const messageContext = MessageContext.fromHeaders(message.headers, eventId);
    for (let attempt = 1; ; attempt++) {
      try {
        await MessageContext.run(messageContext, () =>
          runInConsumerContext({ consumerName: this.consumerName, eventId, eventName, topic: message.topic, attempt }, () =>
            this.mediator.send(event),
          ),
        );
        return { status: 'handled', attempts: attempt, eventId, eventName };
      } catch (error) {
        const failure = `attempt ${attempt}/${this.retry.maxAttempts} of ${eventName} (event ${eventId}) failed: ${describe(error)}`;
        if (attempt >= this.retry.maxAttempts) {
          this.logger.error(`${this.consumerName}: ${failure}; dead-lettering it`, (error as Error)?.stack);
          return { status: 'dead-letter', reason: `Handler failed: ${describe(error)}`, attempts: attempt, malformed: false, eventId, eventName };
        }
        this.logger.warn(`${this.consumerName}: ${failure}; retrying`);
        if (!(await sleep(backoffDelay(this.retry, attempt), message.signal))) return { status: 'stopped', attempts: attempt };
        await message.beforeRetry?.();
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
