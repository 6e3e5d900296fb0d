import { logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { invalidBrokerUrl, parseBrokerUrl } from '../broker-url.js';
import { nestKafkaLogCreator } from './kafka-log-creator.js';

/** Defaults every client of this package starts from: Nest logging, warnings and errors only. */
export const KAFKA_CLIENT_DEFAULTS: Partial<KafkaConfig> = {
  clientId: 'nestjs-cqrs-broker',
  logLevel: logLevel.WARN,
  logCreator: nestKafkaLogCreator,
};

/**
 * kafkajs client config from a `kafka://` broker URL (see `parseBrokerUrl`):
 * brokers, SSL and SASL; `overrides` win (e.g. a CA in `ssl`).
 *
 * @example
 * new KafkaMessageBroker({ client: kafkaConfigFromUrl('kafkas://user:secret@a:9093,b:9093?sasl=scram-sha-512') });
 * @publicApi
 */
export function kafkaConfigFromUrl(url: string, overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  const parsed = parseBrokerUrl(url);
  if (parsed.kind !== 'kafka') throw invalidBrokerUrl(url, 'expected a kafka:// or kafkas:// URL');
  return {
    ...KAFKA_CLIENT_DEFAULTS,
    brokers: [...parsed.brokers],
    ...(parsed.clientId && { clientId: parsed.clientId }),
    ...(parsed.ssl && { ssl: true }),
    ...(parsed.sasl && { sasl: parsed.sasl as SASLOptions }),
    ...overrides,
  };
}
