import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_BROKER, type MessageBroker } from '../brokers/message-broker.interface.js';
import { down, up, type CqrsHealthResult } from './health-result.js';

/**
 * Readiness of the configured `MessageBroker`'s producer connection, from its
 * `connectionStatus()`: up when `connected` or `idle` (a lazy producer that
 * has not needed to connect yet), down when `disconnected` or `closed`.
 * Details: `connection` (`unknown` for a broker without `connectionStatus`,
 * reported up). Readiness, not liveness: the broker client reconnects by
 * itself, a restart does not help.
 * @publicApi
 */
@Injectable()
export class BrokerHealthIndicator {
  constructor(@Inject(MESSAGE_BROKER) private readonly broker: MessageBroker) {}

  check<Key extends string = 'broker'>(key: Key = 'broker' as Key): CqrsHealthResult<Key> {
    const connection = this.broker.connectionStatus?.() ?? 'unknown';
    return connection === 'disconnected' || connection === 'closed' ? down(key, { connection }) : up(key, { connection });
  }
}
