/**
 * Phantom key that carries a stream request's item type. It exists only for
 * the type checker: nothing is stored under it at runtime.
 */
export declare const STREAM_ITEM: unique symbol;

/**
 * Base class for requests answered by a stream of items rather than one
 * result (python-cqrs `StreamingRequestHandler`). The type parameter is the
 * item type; `RequestMediator.stream` yields items of that type without a
 * cast. Its handler implements {@link StreamRequestHandler}. Fields may carry
 * class-validator decorators, checked by the `ValidationMiddleware` before
 * the stream opens.
 *
 * @example
 * class StreamParticipantsQuery extends StreamRequest<ParticipantView> {
 *   @IsString() meetingId!: string;
 * }
 * for await (const participant of mediator.stream(new StreamParticipantsQuery(id))) { ... }
 * @publicApi
 */
export abstract class StreamRequest<TItem> {
  declare readonly [STREAM_ITEM]?: TItem;
}

/** The item type of a stream request class. @publicApi */
export type StreamItem<TRequest> = TRequest extends StreamRequest<infer TItem> ? TItem : never;
