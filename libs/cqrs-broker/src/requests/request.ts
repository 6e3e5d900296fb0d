/**
 * Phantom key that carries a request's result type. It exists only for the
 * type checker: nothing is stored under it at runtime.
 */
export declare const REQUEST_RESULT: unique symbol;

/**
 * Base class for commands and queries.
 *
 * The type parameter is the handler's result type; `RequestMediator.send`
 * returns it to the caller without a cast. Fields may carry class-validator
 * decorators; the `ValidationMiddleware` checks them before the handler runs.
 *
 * @example
 * class ReadMeetingQuery extends Request<MeetingView> {
 *   @IsString() meetingId!: string;
 * }
 * @publicApi
 */
export abstract class Request<TResult = void> {
  declare readonly [REQUEST_RESULT]?: TResult;
}

/** The result type of a request class. @publicApi */
export type RequestResult<TRequest> = TRequest extends Request<infer TResult> ? TResult : never;
