/**
 * Handles one or more event types. Domain events reach every bound handler
 * in-process; notification/ECST events reach them through the `EventMediator`
 * when they come from the bus.
 *
 * Like request handlers, a handler may expose `events` it produced (then it
 * must not be a singleton); they are emitted after `handle` returns.
 * @publicApi
 */
export interface EventHandler<TEvent extends object> {
  readonly events?: readonly object[];
  handle(event: TEvent): Promise<void> | void;
}
