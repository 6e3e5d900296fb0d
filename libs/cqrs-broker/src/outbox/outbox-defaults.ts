import type { RetryPolicy } from '../retry/retry-policy.js';
import type { OutboxHandlerEventsPolicy } from './handler-events-route.js';
import type { OutboxCodec } from './outbox-codec.js';
import type { OutboxClaimMode, OutboxOrdering, OutboxRelayOptions, OutboxRelaySource } from './outbox-options.interface.js';

/**
 * The values of every outbox default, in one place; what each one means and
 * why it is the default is documented on its option (`OutboxModuleOptions`,
 * `OutboxRelayOptions`). `resolveOutboxOptions` is the one reader.
 * @publicApi
 */
export const OUTBOX_DEFAULTS = Object.freeze({
  tableName: 'outbox',
  codec: 'none' as OutboxCodec,
  notify: true,
  handlerEvents: 'outbox' as OutboxHandlerEventsPolicy,
  relay: Object.freeze({
    enabled: true,
    batchSize: 100,
    pollIntervalMs: 1_000,
    leaseMs: 30_000,
    claim: 'lease' as OutboxClaimMode,
    retry: Object.freeze({ maxAttempts: 10, initialDelayMs: 1_000, maxDelayMs: 300_000, factor: 2, jitter: 'full' } satisfies RetryPolicy),
    retentionMs: 7 * 24 * 60 * 60 * 1_000,
    purgeIntervalMs: 60_000,
    purgeBatchSize: 1_000,
    shutdownTimeoutMs: 10_000,
    ordering: 'per-key' as OutboxOrdering,
    source: 'table' as OutboxRelaySource,
  } satisfies Required<Omit<OutboxRelayOptions, 'relayId' | 'slotName'>>),
});
