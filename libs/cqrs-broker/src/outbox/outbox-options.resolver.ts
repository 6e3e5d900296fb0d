import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { ConfigurationException } from '../errors/configuration.exception.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { OUTBOX_NO_DATA_SOURCE } from '../errors/messages.js';
import { resolveRetryPolicy, type RetryPolicy } from '../retry/retry-policy.js';
import type { OutboxHandlerEventsPolicy } from './handler-events-route.js';
import { assertOutboxCodec, type OutboxCodec } from './outbox-codec.js';
import { parseTableName } from './outbox-database.js';
import { OUTBOX_DEFAULTS } from './outbox-defaults.js';
import type { OutboxModuleOptions, OutboxRelayOptions } from './outbox-options.interface.js';

/** Relay options with every default filled in and checked. @publicApi */
export type ResolvedOutboxRelayOptions = Readonly<Required<Omit<OutboxRelayOptions, 'retry'>> & { retry: RetryPolicy }>;

/** Outbox options with every default filled in and checked: what every part of the outbox reads. @publicApi */
export interface ResolvedOutboxOptions {
  readonly dataSource: DataSource;
  readonly tableName: string;
  readonly codec: OutboxCodec;
  readonly notify: boolean;
  readonly handlerEvents: OutboxHandlerEventsPolicy;
  readonly relay: ResolvedOutboxRelayOptions;
}

/**
 * Completes the module's options with {@link OUTBOX_DEFAULTS} and checks them,
 * so a wrong value fails at startup; the result is frozen. `appDataSource`
 * (the app's default `DataSource`) is used when `dataSource` is not given.
 */
export function resolveOutboxOptions(options: OutboxModuleOptions, appDataSource?: DataSource): ResolvedOutboxOptions {
  const dataSource = options.dataSource ?? appDataSource;
  if (!dataSource) {
    throw new ConfigurationException(OUTBOX_NO_DATA_SOURCE);
  }
  const tableName = options.tableName ?? OUTBOX_DEFAULTS.tableName;
  parseTableName(tableName);
  const codec = options.codec ?? OUTBOX_DEFAULTS.codec;
  assertOutboxCodec(codec);
  const handlerEvents = options.handlerEvents ?? OUTBOX_DEFAULTS.handlerEvents;
  if (!['outbox', 'broker', 'reject'].includes(handlerEvents)) throw new InvalidOptionException('handlerEvents', "'outbox', 'broker' or 'reject'", handlerEvents);
  return Object.freeze({
    dataSource,
    tableName,
    codec,
    notify: options.notify ?? OUTBOX_DEFAULTS.notify,
    handlerEvents,
    relay: resolveOutboxRelayOptions(options.relay, tableName),
  });
}

/**
 * Completes relay options with `OUTBOX_DEFAULTS.relay` and checks them; the
 * result is frozen. Resolving resolved options gives the same values, so a
 * relay built by hand and one built by `OutboxModule` read the same way.
 */
export function resolveOutboxRelayOptions(options: OutboxRelayOptions = {}, tableName: string = OUTBOX_DEFAULTS.tableName): ResolvedOutboxRelayOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as OutboxRelayOptions;
  const resolved = {
    ...OUTBOX_DEFAULTS.relay,
    relayId: `${hostname().slice(0, 80)}:${process.pid}:${randomUUID().slice(0, 8)}`,
    slotName: defaultSlotName(tableName),
    ...defined,
    retry: resolveRetryPolicy(options.retry, OUTBOX_DEFAULTS.relay.retry, 'relay.retry'),
  };
  for (const key of ['batchSize', 'pollIntervalMs', 'leaseMs', 'purgeIntervalMs', 'purgeBatchSize'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) throw new InvalidOptionException(`relay.${key}`, 'a positive number', resolved[key]);
  }
  for (const key of ['retentionMs', 'shutdownTimeoutMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new InvalidOptionException(`relay.${key}`, 'zero or more', resolved[key]);
  }
  if (resolved.ordering !== 'per-key' && resolved.ordering !== 'none') throw new InvalidOptionException('relay.ordering', "'per-key' or 'none'", resolved.ordering);
  if (resolved.claim !== 'lease' && resolved.claim !== 'lock') throw new InvalidOptionException('relay.claim', "'lease' or 'lock'", resolved.claim);
  if (resolved.source !== 'table' && resolved.source !== 'logical-replication') {
    throw new InvalidOptionException('relay.source', "'table' or 'logical-replication'", resolved.source);
  }
  if (!/^[a-z0-9_]{1,63}$/.test(resolved.slotName)) throw new InvalidOptionException('relay.slotName', 'lower-case letters, digits and _, at most 63', resolved.slotName);
  if (resolved.relayId.length > 128) throw new InvalidOptionException('relay.relayId', 'at most 128 characters', resolved.relayId);
  return Object.freeze(resolved);
}

/** `cqrs_outbox_<table>`: a valid slot name for any table name, at most 63 characters. */
export function defaultSlotName(tableName: string): string {
  return `cqrs_outbox_${tableName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}
