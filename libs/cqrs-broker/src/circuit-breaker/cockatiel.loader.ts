import { loadOptionalPeer } from '../optional-peer.js';

/** The optional peer package the circuit breakers run on. */
export type Cockatiel = typeof import('cockatiel');

/**
 * Loads cockatiel once, when the first circuit breaker is declared, or
 * rejects with a `MissingPeerDependencyException` naming the package to
 * install and `declaredBy`, the declaration that needs it.
 */
export function loadCockatiel(declaredBy: string): Promise<Cockatiel> {
  return loadOptionalPeer<Cockatiel>('cockatiel', `The circuit breaker of ${declaredBy}`);
}
