import type { OutboxCodec } from './outbox-codec.js';
import type { OutboxOrdering, OutboxRelayOptions } from './outbox-options.interface.js';

/**
 * Every default of the outbox, in one place.
 *
 * | option | default | why |
 * |---|---|---|
 * | tableName | `outbox` | |
 * | codec | `none` | bodies are small JSON; turn on `zlib`/`gzip`/`brotli` for big payloads |
 * | notify | `true` | PostgreSQL only: wake relays in other processes on commit |
 * | relay.enabled | `true` | quick start: the app publishes its own events |
 * | relay.batchSize | 100 | one broker round trip per 100 events |
 * | relay.pollIntervalMs | 1 000 | the safety net; commits wake the relay at once |
 * | relay.leaseMs | 30 000 | rows of a dead relay are retried within 30 s |
 * | relay.maxAttempts | 10 | about 10 minutes of retries with the backoff below |
 * | relay.backoffBaseMs | 1 000 | 1 s, 2 s, 4 s… |
 * | relay.backoffMaxMs | 300 000 | …never more than 5 min between attempts |
 * | relay.retentionMs | 7 days | published rows stay for audit and replay |
 * | relay.purgeIntervalMs | 60 000 | |
 * | relay.purgeBatchSize | 1 000 | short deletes, no long locks |
 * | relay.shutdownTimeoutMs | 10 000 | then the batch in flight is released |
 * | relay.ordering | `per-key` | events of one key reach the broker in order; claims cost about the same with many keys, up to ~2× with a few hot keys |
 * @publicApi
 */
export const OUTBOX_DEFAULTS = {
  tableName: 'outbox',
  codec: 'none' as OutboxCodec,
  notify: true,
  relay: {
    enabled: true,
    batchSize: 100,
    pollIntervalMs: 1_000,
    leaseMs: 30_000,
    maxAttempts: 10,
    backoffBaseMs: 1_000,
    backoffMaxMs: 300_000,
    retentionMs: 7 * 24 * 60 * 60 * 1_000,
    purgeIntervalMs: 60_000,
    purgeBatchSize: 1_000,
    shutdownTimeoutMs: 10_000,
    ordering: 'per-key' as OutboxOrdering,
  } satisfies Required<Omit<OutboxRelayOptions, 'relayId'>>,
} as const;

/** Relay options with every default filled in. */
export type ResolvedOutboxRelayOptions = Required<OutboxRelayOptions>;
