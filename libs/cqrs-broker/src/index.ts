export { CqrsBrokerModule } from './cqrs-broker.module.js';
export { CQRS_BROKER_OPTIONS } from './cqrs-broker.module-definition.js';
export type { CqrsBrokerModuleOptions } from './cqrs-broker-options.interface.js';

export * from './errors/index.js';

export { Request, type RequestResult } from './requests/request.js';
export type { RequestHandler } from './requests/request-handler.interface.js';
export { StreamRequest, type StreamItem } from './requests/stream-request.js';
export type { StreamRequestHandler } from './requests/stream-request-handler.interface.js';
export type { ChainedRequestHandler, NextRequestHandler } from './requests/chained-request-handler.interface.js';
export { HandlesRequest, type HandlesRequestOptions } from './requests/handles-request.decorator.js';
export { RequestMap, type RequestBindingOptions } from './requests/request-map.js';
export { RequestMediator } from './requests/request-mediator.js';

export { DomainEvent } from './events/domain-event.js';
export { NotificationEvent, ECSTEvent, type NotificationEventInit } from './events/notification-event.js';
export { IntegrationEvent, getIntegrationEventContract, type IntegrationEventContract } from './events/integration-event.decorator.js';
export type { EventHandler } from './events/event-handler.interface.js';
export { HandlesEvent, type HandlesEventOptions } from './events/handles-event.decorator.js';
export { EventMap, type EventBindingOptions } from './events/event-map.js';
export { EventEmitter } from './events/event-emitter.js';
export { EventMediator } from './events/event-mediator.js';
export { EventSerializer, type WireEvent } from './events/event-serializer.js';
export { WIRE_FORMATS, DEFAULT_WIRE_FORMAT, type WireFormat, type WireFormatOption } from './events/wire/wire-format.js';
export { WireReader, type DecodedWireEvent } from './events/wire/wire-reader.js';
export { writeWireEvent, writeBody, writeEnvelope, type PythonCqrsBody, type PythonCqrsEnvelope } from './events/wire/wire-writer.js';
export { wireInfoOf, type WireInfo } from './events/wire/wire-info.js';
export { canonicalUuid } from './events/wire/event-id.js';
export { formatWireTimestamp, DEFAULT_NAIVE_TIMESTAMP_ZONE, type WireTimestamp, type NaiveTimestampZone } from './events/wire/wire-timestamp.js';
export { IntegrationEventRegistry } from './events/integration-event-registry.js';
export type { EventCodec } from './events/codecs/event-codec.interface.js';
export {
  protobufCodec,
  ProtobufEventCodec,
  PROTOBUF_CONTENT_TYPE,
  type ProtobufCodecOptions,
  type ProtobufMessageType,
} from './events/codecs/protobuf-event-codec.js';

export type { FallbackOptions, ErrorClass } from './fallback/fallback-options.interface.js';
export { CircuitBreakers } from './circuit-breaker/circuit-breakers.js';
export {
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  type ResolvedCircuitBreakerOptions,
  type CircuitBreakerState,
  type CircuitBreakerStateChange,
} from './circuit-breaker/circuit-breaker-options.interface.js';

export type { Middleware, MiddlewareContext, NextFunction } from './middleware/middleware.interface.js';
export { LoggingMiddleware } from './middleware/logging.middleware.js';
export { ValidationMiddleware } from './middleware/validation.middleware.js';
export { findUnsafeInput, INPUT_GUARD_DEFAULTS, type InputGuardOptions } from './middleware/input-guard.js';
export { InputGuardPipe } from './middleware/input-guard.pipe.js';

export { MESSAGE_BROKER, type MessageBroker } from './brokers/message-broker.interface.js';
export { MessageHeaders, JSON_CONTENT_TYPE, type BrokerMessage } from './brokers/broker-message.js';
export { InMemoryMessageBroker, type InMemoryListener } from './brokers/in-memory-message-broker.js';
export { ClientProxyMessageBroker, type ClientProxyMessageBrokerOptions } from './brokers/client-proxy-message-broker.js';

export { MessageContext, type MessageContextData } from './tracing/message-context.js';
export { CorrelationMiddleware } from './tracing/correlation.middleware.js';
export { newTraceparent, childTraceparent, traceIdOf } from './tracing/traceparent.js';
export { PrometheusMetrics, registerOutboxGauges, type ConsumerMetricOutcome, type OutboxGaugesOptions, type OutboxBacklogSource } from './metrics/index.js';

export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry/retry-policy.js';
export { backoffDelay, type Backoff, type BackoffJitter } from './retry/backoff.js';
export { isTransientFailure, isNonRetryable, type TransientFailureTest } from './retry/transient-failure.js';

export { parseBrokerUrl, type BrokerUrl, type KafkaSaslMechanism } from './brokers/broker-url.js';
export { redactUrl } from './brokers/redact-url.js';

export { EventConsumerModule } from './consumers/event-consumer.module.js';
export { EVENT_CONSUMER_OPTIONS } from './consumers/event-consumer.module-definition.js';
export { UNKNOWN_EVENT_POLICIES, type EventConsumerModuleOptions, type UnknownEventPolicy } from './consumers/event-consumer-options.interface.js';
export { DEFAULT_MAX_MESSAGE_BYTES, EventConsumerPipeline } from './consumers/event-consumer-pipeline.js';
export type { ConsumedMessage, ConsumeOutcome } from './consumers/consumed-message.js';
export { MemoryAttemptStore, type AttemptStore } from './consumers/attempt-store.js';
export { DEFAULT_OUTAGE_POLICY, type OutagePolicy } from './consumers/outage-policy.js';
export { currentConsumerContext, type ConsumerContext } from './consumers/consumer-context.js';
export { DeadLetterHeaders, DEAD_LETTER_TOPIC_SUFFIX } from './consumers/dead-letter.js';
export { ReplayHeaders, type DeadLetter, type DeadLetterFilter, type DeadLetterStore, type RequeueResult } from './consumers/dead-letter-store.js';
export { InMemoryEventConsumer, type InMemoryEventConsumerOptions } from './brokers/in-memory-event-consumer.js';
export type { BrokerConsumerStatus } from './consumers/transport/broker-event-consumer.server.js';
export { CQRS_BROKER_TRANSPORT } from './consumers/transport/event-transport.constants.js';
export { EVENT_HANDLER_CONTEXT_TYPE } from './discovery/event-handler-enhancers.js';
