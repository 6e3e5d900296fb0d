/**
 * The stable `code` of every exception the library throws. Codes never change
 * between versions (messages may), so match on `error.code` rather than on
 * message text.
 *
 * @example
 * if (error instanceof CqrsBrokerException && error.code === CqrsBrokerErrorCode.HandlerNotFound) { ... }
 * @publicApi
 */
export const CqrsBrokerErrorCode = {
  /** {@link RequestHandlerNotFoundException}. */
  HandlerNotFound: 'CQRS_BROKER_HANDLER_NOT_FOUND',
  /** {@link DuplicateHandlerException}. */
  DuplicateHandler: 'CQRS_BROKER_DUPLICATE_HANDLER',
  /** {@link RequestNotHandledException}. */
  RequestNotHandled: 'CQRS_BROKER_REQUEST_NOT_HANDLED',
  /** {@link RequestValidationException}. */
  RequestValidation: 'CQRS_BROKER_REQUEST_VALIDATION',
  /** {@link MissingEventContractException}. */
  MissingEventContract: 'CQRS_BROKER_MISSING_EVENT_CONTRACT',
  /** {@link MalformedEventException}. */
  MalformedEvent: 'CQRS_BROKER_MALFORMED_EVENT',
  /** {@link UnknownEventException}. */
  UnknownEvent: 'CQRS_BROKER_UNKNOWN_EVENT',
  /** {@link UnsupportedContentTypeException}. */
  UnsupportedContentType: 'CQRS_BROKER_UNSUPPORTED_CONTENT_TYPE',
  /** {@link UnserializableEventException}. */
  UnserializableEvent: 'CQRS_BROKER_UNSERIALIZABLE_EVENT',
  /** {@link EventCascadeLimitException}. */
  EventCascadeLimit: 'CQRS_BROKER_EVENT_CASCADE_LIMIT',
  /** {@link InvalidOptionException}. */
  InvalidOption: 'CQRS_BROKER_INVALID_OPTION',
  /** {@link ConfigurationException}. */
  Configuration: 'CQRS_BROKER_CONFIGURATION',
  /** {@link MissingPeerDependencyException}. */
  MissingPeerDependency: 'CQRS_BROKER_MISSING_PEER_DEPENDENCY',
  /** {@link InvalidBrokerUrlException}. */
  InvalidBrokerUrl: 'CQRS_BROKER_INVALID_BROKER_URL',
  /** {@link UnroutableMessageException}. */
  UnroutableMessage: 'CQRS_BROKER_UNROUTABLE_MESSAGE',
  /** {@link ConsumerNotStartedException}. */
  ConsumerNotStarted: 'CQRS_BROKER_CONSUMER_NOT_STARTED',
  /** {@link TimeoutException}. */
  Timeout: 'CQRS_BROKER_TIMEOUT',
  /** {@link UnsupportedOperationException}. */
  UnsupportedOperation: 'CQRS_BROKER_UNSUPPORTED_OPERATION',
  /** {@link UnsupportedDatabaseException}. */
  UnsupportedDatabase: 'CQRS_BROKER_UNSUPPORTED_DATABASE',
  /** {@link InvalidTableNameException}. */
  InvalidTableName: 'CQRS_BROKER_INVALID_TABLE_NAME',
  /** {@link IntegrationEventOutsideOutboxException}. */
  IntegrationEventOutsideOutbox: 'CQRS_BROKER_INTEGRATION_EVENT_OUTSIDE_OUTBOX',
  /** {@link UnknownOutboxCodecException}. */
  UnknownOutboxCodec: 'CQRS_BROKER_UNKNOWN_OUTBOX_CODEC',
  /** {@link NonRetryableException}. */
  NonRetryable: 'CQRS_BROKER_NON_RETRYABLE',
  /** {@link DeadLetterReplayException}. */
  DeadLetterReplay: 'CQRS_BROKER_DEAD_LETTER_REPLAY',
  /** {@link ServiceUnreachableException}. */
  ServiceUnreachable: 'CQRS_BROKER_SERVICE_UNREACHABLE',
  /** {@link InvalidDatabaseUrlException}. */
  InvalidDatabaseUrl: 'CQRS_BROKER_INVALID_DATABASE_URL',
  /** {@link CliUsageException}. */
  CliUsage: 'CQRS_BROKER_CLI_USAGE',
  /** {@link SagaNotRegisteredException}. */
  SagaNotRegistered: 'CQRS_BROKER_SAGA_NOT_REGISTERED',
  /** {@link SagaNotFoundException}. */
  SagaNotFound: 'CQRS_BROKER_SAGA_NOT_FOUND',
  /** {@link SagaConflictException}. */
  SagaConflict: 'CQRS_BROKER_SAGA_CONFLICT',
} as const;

/** One of the {@link CqrsBrokerErrorCode} values. @publicApi */
export type CqrsBrokerErrorCode = (typeof CqrsBrokerErrorCode)[keyof typeof CqrsBrokerErrorCode];

/**
 * What every library exception has, whatever its base class: most extend
 * {@link CqrsBrokerException}; {@link RequestValidationException} is an HTTP
 * 400 and {@link MissingEventContractException} a `TypeError`, but both carry
 * a code too.
 * @publicApi
 */
export interface CqrsBrokerError extends Error {
  readonly code: CqrsBrokerErrorCode;
}
