import { ClientKafka, ClientRMQ, RmqRecord, type ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { CLIENT_PROXY_NOT_JSON, CLIENT_PROXY_TIMEOUT } from '../errors/messages.js';
import { UnsupportedOperationException } from '../errors/unsupported-operation.exception.js';
import { withTimeout } from '../retry/with-timeout.js';
import { JSON_CONTENT_TYPE, MessageHeaders, type BrokerMessage } from './broker-message.js';
import type { MessageBroker } from './message-broker.interface.js';

/** Options of {@link ClientProxyMessageBroker}. @publicApi */
export interface ClientProxyMessageBrokerOptions {
  /**
   * Bound on one `emit` (the broker accepting the message).
   * @default 30000
   */
  readonly publishTimeoutMs?: number;
  /**
   * What is emitted for a message, for transports the broker does not know
   * (NATS headers through `NatsRecordBuilder`, MQTT properties, …). The
   * default: see {@link ClientProxyMessageBroker}.
   */
  readonly toRecord?: (message: BrokerMessage) => unknown;
  /**
   * Close the client in `close()`. Off by default: `ClientsModule` owns its clients and closes them.
   * @default false
   */
  readonly closeClient?: boolean;
}

/**
 * A {@link MessageBroker} over a Nest `ClientProxy` the app already has
 * (`ClientsModule`: Kafka, RabbitMQ, NATS, Redis, MQTT, TCP): `publish` is
 * `emit(topic, record)` awaited with `lastValueFrom`, so the outbox relay
 * publishes through the client and the transport's own settings.
 *
 * What reaches the wire depends on the transport:
 * - `ClientKafka`: a Kafka message on the topic with the key, every header
 *   and the body bytes unchanged, exactly as `KafkaMessageBroker` sends it
 *   (our consumers and python-cqrs read it as is).
 * - `ClientRMQ`: Nest's framing, `{ pattern: topic, data: <the event's JSON> }`,
 *   sent to the client's one `queue`; the headers, the event id (`messageId`),
 *   `persistent` and the content type are message properties. Read it with
 *   Nest's `@EventPattern(topic)` (not with `AmqpEventConsumer`).
 * - other transports: `emit(topic, <the event's JSON>)`; the key and headers
 *   do not travel (pass `toRecord` to add them where the transport can).
 *
 * Events of a non-JSON codec (protobuf) go only through `ClientKafka` or a
 * `toRecord`. Messages of one key are emitted one after another (in order);
 * different keys at once.
 * @publicApi
 */
export class ClientProxyMessageBroker implements MessageBroker {
  private readonly publishTimeoutMs: number;
  private readonly toRecord: (message: BrokerMessage) => unknown;

  constructor(
    private readonly client: ClientProxy,
    private readonly options: ClientProxyMessageBrokerOptions = {},
  ) {
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.toRecord = options.toRecord ?? defaultRecord(client);
  }

  async publish(messages: readonly BrokerMessage[]): Promise<void> {
    // One chain per key keeps a key's order; keyless messages have none to keep.
    const chains = new Map<string | symbol, BrokerMessage[]>();
    for (const message of messages) {
      const chain = message.key ?? Symbol();
      chains.set(chain, [...(chains.get(chain) ?? []), message]);
    }
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const message of chain) await this.emit(message);
      }),
    );
  }

  async close(): Promise<void> {
    if (this.options.closeClient) await this.client.close();
  }

  private emit(message: BrokerMessage): Promise<unknown> {
    return withTimeout(
      lastValueFrom(this.client.emit(message.topic, this.toRecord(message)), { defaultValue: undefined }),
      this.publishTimeoutMs,
      () => CLIENT_PROXY_TIMEOUT(this.client.constructor.name, message.eventName, message.eventId, message.topic, this.publishTimeoutMs),
    );
  }
}

function defaultRecord(client: ClientProxy): (message: BrokerMessage) => unknown {
  if (client instanceof ClientKafka) {
    return (message) => ({ key: message.key ?? null, value: message.body, headers: { ...message.headers } });
  }
  if (client instanceof ClientRMQ) {
    return (message) =>
      new RmqRecord(jsonOf(message, 'ClientRMQ'), {
        headers: { ...message.headers },
        messageId: message.eventId,
        persistent: true,
        contentType: JSON_CONTENT_TYPE,
      });
  }
  return (message) => jsonOf(message, client.constructor.name);
}

/** The event's JSON as a value, for transports that frame it themselves. */
function jsonOf(message: BrokerMessage, transport: string): unknown {
  const contentType = message.headers[MessageHeaders.contentType] ?? JSON_CONTENT_TYPE;
  if (contentType !== JSON_CONTENT_TYPE) {
    throw new UnsupportedOperationException(CLIENT_PROXY_NOT_JSON(transport, message.eventName, contentType));
  }
  return JSON.parse(message.body.toString('utf8')) as unknown;
}
