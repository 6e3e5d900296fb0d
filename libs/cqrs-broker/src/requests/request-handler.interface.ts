import type { Request, RequestResult } from './request.js';

/**
 * Handles exactly one request type. Handlers are Nest providers.
 *
 * A handler may expose the events it produced in `events` (seed parity with
 * python-cqrs): the mediator reads them after `handle` returns and passes them
 * to the `EventEmitter`. A handler that keeps events on itself holds
 * per-request state, so it must not be a singleton: declare it with
 * `@Injectable({ scope: Scope.TRANSIENT })` (the mediator then gets a fresh
 * instance per `send`). The module refuses to start otherwise.
 * @publicApi
 */
export interface RequestHandler<TRequest extends Request<unknown>, TResult = RequestResult<TRequest>> {
  /** Events produced while handling; emitted after `handle` returns. */
  readonly events?: readonly object[];
  handle(request: TRequest): Promise<TResult> | TResult;
}
