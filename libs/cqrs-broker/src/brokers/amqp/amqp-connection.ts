import type { LoggerService } from '@nestjs/common';
import type { AmqpConnectionManager, AmqpConnectionManagerOptions } from 'amqp-connection-manager';
import { requireOptionalPeer } from '../../optional-peer.js';
import { redactUrl } from '../redact-url.js';

/**
 * A reconnecting AMQP connection whose state changes are logged with
 * redacted URLs (amqp-connection-manager retries forever in the background).
 */
export function createAmqpConnection(
  url: string | readonly string[],
  logger: Pick<LoggerService, 'log' | 'warn'>,
  options: { connectionName?: string; connection?: AmqpConnectionManagerOptions } = {},
): AmqpConnectionManager {
  const { connect } = requireOptionalPeer<typeof import('amqp-connection-manager')>('amqp-connection-manager', 'RabbitMQ (nestjs-cqrs-broker/amqp)');
  const urls = typeof url === 'string' ? [url] : [...url];
  const connectionOptions = {
    ...options.connection?.connectionOptions,
    ...(options.connectionName && {
      clientProperties: { ...options.connection?.connectionOptions?.clientProperties, connection_name: options.connectionName },
    }),
  };
  const manager = connect(urls, { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1, ...options.connection, connectionOptions });
  const where = urls.map(redactUrl).join(', ');
  manager.on('connect', ({ url: connected }) => logger.log(`Connected to ${typeof connected === 'string' ? redactUrl(connected) : where}`));
  manager.on('disconnect', ({ err }) => logger.warn(`Disconnected from ${where}: ${err?.message ?? 'closed'}; reconnecting`));
  manager.on('connectFailed', ({ err }) => logger.warn(`Cannot connect to ${where}: ${err?.message}; retrying`));
  manager.on('blocked', ({ reason }) => logger.warn(`Broker blocked the connection: ${reason}`));
  return manager;
}
