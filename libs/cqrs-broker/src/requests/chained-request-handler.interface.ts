import type { Request, RequestResult } from './request.js';

/**
 * Passes a request on to the next handler of its chain. Past the last one it
 * rejects with `RequestNotHandledException`.
 * @publicApi
 */
export type NextRequestHandler<TRequest extends Request<unknown>, TResult = RequestResult<TRequest>> = (
  request: TRequest,
) => Promise<TResult>;

/**
 * One link of a chain of responsibility (python-cqrs `CORRequestHandler`):
 * several handlers bound to one request, in order; each either handles the
 * request and returns the result, or calls `next` to pass it on (with the
 * same or a replaced request). Declare the chain with
 * `@HandlesRequest(Request, { order })` on every link, or with
 * `RequestMap.chain(Request, [First, Second, Last])`. The chain is linked once
 * at startup. A plain `RequestHandler` may be a link too: it never
 * passes the request on, so it belongs at the end.
 *
 * Like other handlers, a link may keep produced `events` (then it must not be
 * a singleton); the events of every link that ran are emitted, in chain
 * order, after the chain returns.
 *
 * @example
 * \@HandlesRequest(ReadMeetingQuery, { order: 1 })
 * \@Injectable()
 * export class CachedMeetingHandler implements ChainedRequestHandler<ReadMeetingQuery> {
 *   handle(query: ReadMeetingQuery, next: NextRequestHandler<ReadMeetingQuery>) {
 *     return this.cache.get(query.meetingId) ?? next(query);
 *   }
 * }
 * @publicApi
 */
export interface ChainedRequestHandler<TRequest extends Request<unknown>, TResult = RequestResult<TRequest>> {
  /** Events produced while handling; emitted after the chain returns. */
  readonly events?: readonly object[];
  handle(request: TRequest, next: NextRequestHandler<TRequest, TResult>): Promise<TResult> | TResult;
}
