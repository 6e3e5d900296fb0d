/**
 * A message from the bus could not become an event: not JSON, missing fields,
 * an unknown event name, or a payload that failed validation. Consumers
 * dead-letter such messages at once instead of retrying them.
 * @publicApi
 */
export class MalformedEventException extends Error {
  constructor(readonly reason: string) {
    super(`Malformed event: ${reason}`);
    this.name = 'MalformedEventException';
  }
}
