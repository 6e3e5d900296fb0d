import { loadOptionalPeer } from '../optional-peer.js';
import type { OutboxRelay } from './outbox-relay.js';

/**
 * Loads the optional peer packages `relay`'s source needs before it starts
 * (pg-logical-replication for `relay.source: 'logical-replication'`), so a
 * missing one fails startup with one line naming it, instead of the relay
 * logging it once it streams. Writers do not need it and do not call this.
 */
export async function loadRelayPackages(relay: OutboxRelay): Promise<void> {
  if (relay.options.source === 'logical-replication') await loadOptionalPeer('pg-logical-replication', "relay.source 'logical-replication'");
}
