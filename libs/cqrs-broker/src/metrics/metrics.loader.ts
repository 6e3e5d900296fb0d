import { loadOptionalPeer } from '../optional-peer.js';
import type { PromClient } from './prometheus-metrics.js';

/** Loads `prom-client` once, when metrics are turned on, or rejects with a `MissingPeerDependencyException` naming it. */
export async function loadPromClient(neededBy: string): Promise<PromClient> {
  const module = await loadOptionalPeer<PromClient & { default?: PromClient }>('prom-client', neededBy);
  return module.default ?? module;
}
