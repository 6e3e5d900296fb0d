import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { CQRS_BROKER_TRANSPORT } from '../consumers/transport/event-transport.constants.js';
import { isObservable, lastValueFrom } from 'rxjs';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { NO_SAGA_RECOVERY, SAGA_RECOVERY_SERVER_EMITS_NO_EVENTS } from '../errors/messages.js';
import { UnsupportedOperationException } from '../errors/unsupported-operation.exception.js';
import type { SagaRecovery } from './saga-recovery.js';
import { SAGA_RECOVERY_PATTERN, type SagaRecoverySink } from './saga-recovery.sink.js';

/**
 * Runs the saga recovery worker as a Nest microservice (it can share the
 * process of `OutboxRelayServer`'s app): `listen` starts the worker of every
 * `SagaModule` in the app, `close` stops them. Set `recovery.enabled: false`
 * in the apps that only start sagas.
 *
 * @example
 * const app = await NestFactory.createMicroservice(WorkerModule, { strategy: new SagaRecoveryServer() });
 * await app.listen();
 * @publicApi
 */
export class SagaRecoveryServer extends Server implements CustomTransportStrategy {
  private workers: SagaRecovery[] = [];

  constructor() {
    super();
    // Only this library's patterns reach it, and its pattern never lands in the handler map of Nest's own transports in a hybrid app.
    this.setTransportId(CQRS_BROKER_TRANSPORT);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.workers = await this.collect();
      if (!this.workers.length) throw new ConfigurationException(NO_SAGA_RECOVERY);
      for (const worker of this.workers) worker.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  /** No events: the worker reports through logs. */
  on(): never {
    throw new UnsupportedOperationException(SAGA_RECOVERY_SERVER_EMITS_NO_EVENTS);
  }

  /** The workers this server runs. */
  unwrap<T>(): T {
    return this.workers as T;
  }

  private async collect(): Promise<SagaRecovery[]> {
    const handler = this.getHandlerByPattern(SAGA_RECOVERY_PATTERN);
    if (!handler) return [];
    const workers = new Set<SagaRecovery>();
    const sink: SagaRecoverySink = { add: (worker) => workers.add(worker) };
    const result = await handler(sink, new BaseRpcContext([]));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    return [...workers];
  }
}
