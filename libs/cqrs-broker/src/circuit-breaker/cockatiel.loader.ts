import { ConfigurationException } from '../errors/configuration.exception.js';
import { CIRCUIT_BREAKER_PACKAGE_MISSING } from '../errors/messages.js';

/** The optional peer package the circuit breakers run on. */
export type Cockatiel = typeof import('cockatiel');

let loading: Promise<Cockatiel> | undefined;

/**
 * Loads cockatiel once, when the first circuit breaker is declared, or
 * rejects with a `ConfigurationException` naming the package to install and
 * `declaredBy`, the declaration that needs it.
 */
export function loadCockatiel(declaredBy: string): Promise<Cockatiel> {
  loading ??= import('cockatiel').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading.catch((error: unknown) => {
    throw new ConfigurationException(CIRCUIT_BREAKER_PACKAGE_MISSING(declaredBy), { cause: error });
  });
}
