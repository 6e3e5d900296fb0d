import { ConfigurationException } from './configuration.exception.js';
import { CqrsBrokerErrorCode } from './error-codes.js';
import { MISSING_PEER_DEPENDENCY } from './messages.js';

/**
 * A feature the app uses needs an optional peer package that is not
 * installed (typeorm for the outbox, kafkajs for Kafka, …). Thrown at
 * startup, when the feature is declared or started, never at import: every
 * entry point loads without its optional peers. A kind of
 * {@link ConfigurationException}, with its own code; `packageName` is what to
 * install and `neededBy` what needs it.
 * @publicApi
 */
export class MissingPeerDependencyException extends ConfigurationException {
  override readonly code: CqrsBrokerErrorCode = CqrsBrokerErrorCode.MissingPeerDependency;

  constructor(
    readonly packageName: string,
    readonly neededBy: string,
    options?: ErrorOptions,
  ) {
    super(MISSING_PEER_DEPENDENCY(packageName, neededBy), options);
  }
}
