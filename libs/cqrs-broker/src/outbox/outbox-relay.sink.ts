import type { OutboxRelay } from './outbox-relay.js';

/** Message pattern through which `OutboxRelayServer` collects the relays of a microservice. */
export const OUTBOX_RELAY_PATTERN = 'cqrs-broker.outbox-relay';

/** Passed by the server to each outbox module's handler, which adds its relay. */
export interface OutboxRelaySink {
  add(relay: OutboxRelay): void;
}
