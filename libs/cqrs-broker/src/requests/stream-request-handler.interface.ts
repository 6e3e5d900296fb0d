import type { StreamItem, StreamRequest } from './stream-request.js';

/**
 * Handles one {@link StreamRequest} type: `handle` returns the items as an
 * `AsyncIterable`, usually by being an `async *` generator.
 *
 * Events the handler collects in `events` are emitted after each item, before
 * the item reaches the consumer (as in python-cqrs), and those collected after
 * the last item once the stream ends. `events` must only grow: the mediator
 * reads what was added since it last looked. Such a handler holds per-stream
 * state, so declare it `@Injectable({ scope: Scope.TRANSIENT })`.
 *
 * When the consumer stops early (a `break`, or an HTTP client that
 * disconnects), the mediator calls the iterator's `return()`: a generator's
 * `finally` blocks run there, and nothing more is emitted. An `async *`
 * generator can only be stopped where it yields, so a long wait between two
 * items ends before `finally` runs.
 *
 * @example
 * \@HandlesRequest(StreamParticipantsQuery)
 * \@Injectable()
 * export class StreamParticipantsHandler implements StreamRequestHandler<StreamParticipantsQuery> {
 *   async *handle({ meetingId }: StreamParticipantsQuery): AsyncGenerator<ParticipantView> {
 *     for (const page of await this.pages(meetingId)) yield* page;
 *   }
 * }
 * @publicApi
 */
export interface StreamRequestHandler<TRequest extends StreamRequest<unknown>, TItem = StreamItem<TRequest>> {
  /** Events produced while streaming; emitted after each item. */
  readonly events?: readonly object[];
  handle(request: TRequest): AsyncIterable<TItem>;
}
