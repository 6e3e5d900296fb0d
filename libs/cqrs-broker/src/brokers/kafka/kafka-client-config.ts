import type { KafkaConfig, logLevel, SASLOptions } from 'kafkajs';
import { invalidBrokerUrl, parseBrokerUrl } from '../broker-url.js';
import { nestKafkaLogCreator } from './kafka-log-creator.js';

/** kafkajs's `logLevel` values, here so that loading this module does not load kafkajs (an optional peer). */
export const KAFKA_LOG_LEVEL = { NOTHING: 0 as logLevel, ERROR: 1 as logLevel, WARN: 2 as logLevel, INFO: 4 as logLevel, DEBUG: 5 as logLevel } as const;

/** Defaults every client of this package starts from: Nest logging, warnings and errors only. */
export const KAFKA_CLIENT_DEFAULTS: Partial<KafkaConfig> = {
  clientId: 'nestjs-cqrs-broker',
  logLevel: KAFKA_LOG_LEVEL.WARN,
  logCreator: nestKafkaLogCreator,
};

/**
 * Bounded kafkajs retries of every producer of this package (the relay's
 * broker and the consumers' dead-letter producer): unbounded ones (the
 * idempotent default) would keep a timed-out send retrying in the
 * background, and every retry of the caller would add another one.
 */
export const KAFKA_PRODUCER_RETRY = Object.freeze({ retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 });

/** Bound on one publish (the relay's, or a consumer's dead letter): 30 s. */
export const DEFAULT_KAFKA_PUBLISH_TIMEOUT_MS = 30_000;

/**
 * Consumer-group timing of `KafkaEventConsumer` unless `consumer` overrides
 * it: a member that dies without leaving (SIGKILL, power loss) is noticed
 * after 10 s instead of kafkajs's 30 s. kafkajs has no static membership, so
 * the session timeout is the recovery time. The consumer heartbeats in the
 * background while a message is handled, so slow handlers and outage waits
 * do not lose the group.
 * @publicApi
 */
export const KAFKA_CONSUMER_DEFAULTS = Object.freeze({ sessionTimeout: 10_000, heartbeatInterval: 1_000 });

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
