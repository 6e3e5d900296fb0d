import { CqrsBrokerErrorCode } from './error-codes.js';
import { MalformedEventException } from './malformed-event.exception.js';
import { UNKNOWN_EVENT } from './messages.js';

/**
 * A well-formed message names an event this app has no `@IntegrationEvent`
 * class for (none for its topic and name, and none, or several, for its name
 * alone). A kind of {@link MalformedEventException}, with its own code, so a
 * consumer can apply its `unknownEvents` policy (skip it, or dead-letter it)
 * rather than treat it as a broken message.
 * @publicApi
 */
export class UnknownEventException extends MalformedEventException {
  override readonly code: CqrsBrokerErrorCode = CqrsBrokerErrorCode.UnknownEvent;

  /**
   * `topic`: the topic the event was sent to or read from, when known.
   * `registeredOn`: the topics classes of that name are registered on, when
   * the name alone is ambiguous.
   */
  constructor(
    readonly eventName: string,
    readonly topic?: string,
    readonly registeredOn: readonly string[] = [],
  ) {
    super(UNKNOWN_EVENT(eventName, topic, registeredOn));
  }
}
