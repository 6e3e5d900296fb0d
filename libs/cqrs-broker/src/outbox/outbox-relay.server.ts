import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { CQRS_BROKER_TRANSPORT } from '../consumers/transport/event-transport.constants.js';
import { isObservable, lastValueFrom } from 'rxjs';
import type { OutboxRelay } from './outbox-relay.js';
import { loadRelayPackages } from './outbox-relay-packages.js';
import { OUTBOX_RELAY_PATTERN, type OutboxRelaySink } from './outbox-relay.sink.js';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { NO_OUTBOX_RELAY, RELAY_SERVER_EMITS_NO_EVENTS } from '../errors/messages.js';
import { UnsupportedOperationException } from '../errors/unsupported-operation.exception.js';

/**
 * Runs the outbox relay as a Nest microservice: `listen` starts the relay of
 * every `OutboxModule` in the app, `close` stops them gracefully (the batch
 * in flight is finished or released). Use it for a process that only relays.
 *
 * @example
 * const app = await NestFactory.createMicroservice(RelayModule, { strategy: new OutboxRelayServer() });
 * await app.listen();
 * @publicApi
 */
export class OutboxRelayServer extends Server implements CustomTransportStrategy {
  private relays: OutboxRelay[] = [];

  constructor() {
    super();
    // Only this library's patterns reach it, and its pattern never lands in the handler map of Nest's own transports in a hybrid app.
    this.setTransportId(CQRS_BROKER_TRANSPORT);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.relays = await this.collectRelays();
      if (!this.relays.length) throw new ConfigurationException(NO_OUTBOX_RELAY);
      await Promise.all(this.relays.map((relay) => loadRelayPackages(relay)));
      await Promise.all(this.relays.map((relay) => relay.start()));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.relays.map((relay) => relay.stop()));
  }

  /** No events: the relay reports through logs. */
  on(): never {
    throw new UnsupportedOperationException(RELAY_SERVER_EMITS_NO_EVENTS);
  }

  /** The relays this server runs. */
  unwrap<T>(): T {
    return this.relays as T;
  }

  private async collectRelays(): Promise<OutboxRelay[]> {
    const handler = this.getHandlerByPattern(OUTBOX_RELAY_PATTERN);
    if (!handler) return [];
    const relays = new Set<OutboxRelay>();
    const sink: OutboxRelaySink = { add: (relay) => relays.add(relay) };
    // Calls every outbox module's handler (Nest chains event handlers of one pattern).
    const result = await handler(sink, new BaseRpcContext([]));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    return [...relays];
  }
}
