import type { Type } from '@nestjs/common';
import type { MessageBroker } from './brokers/message-broker.interface.js';
import type { EventMap } from './events/event-map.js';
import type { NotificationEvent } from './events/notification-event.js';
import type { Middleware } from './middleware/middleware.interface.js';
import type { RequestMap } from './requests/request-map.js';
import type { WireFormatOption } from './events/wire/wire-format.js';
import type { NaiveTimestampZone } from './events/wire/wire-timestamp.js';

/**
 * Options of `CqrsBrokerModule.forRoot` / `forRootAsync`.
 * @publicApi
 */
export interface CqrsBrokerModuleOptions {
  /** Explicit request bindings, added to the `@HandlesRequest` handlers found at bootstrap. */
  requests?: RequestMap;
  /** Explicit event bindings, added to the `@HandlesEvent` handlers found at bootstrap. */
  events?: EventMap;
  /**
   * Middleware around every request and event handler, outermost first.
   * Classes are instantiated through DI; instances are used as they are.
   * Default: none. Typical: `[LoggingMiddleware, ValidationMiddleware]`.
   */
  middlewares?: ReadonlyArray<Type<Middleware> | Middleware>;
  /**
   * One DI scope per send: the request's handler (or stream handler, or chain)
   * and the event handlers of the domain events it produced, follow-up events
   * included, are resolved in one Nest DI sub-tree (one `ContextIdFactory`
   * context id per `RequestMediator.send`/`stream` and per
   * `EventMediator.send`). A `Scope.REQUEST` provider, such as a unit of work
   * holding a TypeORM `EntityManager`, is then one instance across all of
   * them, and a new one for the next send. A transient handler is one
   * instance per class within the send (as Nest resolves it in one context).
   * When false, each non-singleton handler call gets its own sub-tree.
   * Singleton handlers are the same either way.
   * @default false
   */
  scopePerSend?: boolean;
  /**
   * How many domain-event handlers one emit runs at once: the handlers of
   * every event of the batch a handler produced, and of the follow-up events
   * their handlers produce. With 1, they run one after the other, in order.
   * Above 1, up to this many run concurrently (`Infinity`: all); a follow-up
   * event's handlers are queued as soon as the handler that produced it is
   * done, without waiting for the rest of the batch. Either way a failing
   * handler is logged with the event id and the others finish, and the emit
   * resolves when every handler is done; with `scopePerSend`, every handler
   * is resolved in the send's DI sub-tree. `EventMediator.send` (events from
   * the bus) still runs the handlers of the received event one by one, so its
   * first failure reaches the consumer.
   * @default 1
   */
  eventHandlerConcurrency?: number;
  /**
   * Where notification and ECST events go. Default: an `InMemoryMessageBroker`.
   * Use `KafkaMessageBroker` (`nestjs-cqrs-broker/kafka`) or
   * `AmqpMessageBroker` (`nestjs-cqrs-broker/amqp`) in production. The module
   * closes it on application shutdown.
   */
  broker?: MessageBroker;
  /**
   * `@IntegrationEvent` classes that can be read from the bus even without a
   * handler in this app. Classes named by `@HandlesEvent` are registered anyway.
   */
  integrationEvents?: ReadonlyArray<Type<NotificationEvent<any>>>;
  /**
   * The layout events are written in: `'python-cqrs'` (python-cqrs 1.0+), or
   * `'python-cqrs-0.0'` (the envelope of python-cqrs 0.0.x), for all topics or
   * per topic (`{ default, topics: { name: format } }`). Both refuse an event
   * id that is not a UUID. Reading recognizes every python-cqrs generation
   * whatever this says.
   * @default 'python-cqrs'
   */
  wireFormat?: WireFormatOption;
  /**
   * The zone a received `event_timestamp` without a zone is read in:
   * `'UTC'`, `'local'`, an offset like `'+09:00'`, or an IANA name like
   * `'Asia/Tokyo'`. python-cqrs's default timestamp is the producer's naive
   * local time, so set this to the producers' zone. Timestamps we write
   * always carry a zone (`Z`).
   * @default 'UTC'
   */
  naiveTimestampZone?: NaiveTimestampZone;
  /**
   * OpenTelemetry spans through `@opentelemetry/api` (an optional peer,
   * loaded when this is true; without a registered SDK the spans are
   * no-ops): `send <Request>`, `handle <Request|Event>`, `outbox write`
   * (its context stored with each row), the relay's `publish <topic>`, the
   * consumer's `process <topic>` and `inbox decision`. Register the SDK
   * (e.g. `@opentelemetry/sdk-node`) before the app starts. Off: none of
   * this runs.
   * @default false
   */
  tracing?: boolean;
  /**
   * Prometheus metrics through `prom-client` (an optional peer, loaded when
   * this is set), registered once per registry: `cqrs_broker_requests_total`,
   * `cqrs_broker_request_duration_seconds`, `cqrs_broker_events_handled_total`,
   * `cqrs_broker_outbox_written_total`, `cqrs_broker_relay_published_total`,
   * `cqrs_broker_relay_failures_total`, `cqrs_broker_relay_batch_duration_seconds`,
   * `cqrs_broker_consumer_messages_total`, `cqrs_broker_consumer_lag` (Kafka
   * and RabbitMQ consumers), `cqrs_broker_circuit_breaker_state` (see
   * `PrometheusMetrics`; the outbox gauges: `registerOutboxGauges`). `true`:
   * prom-client's global `register`; `{ registry }`: that prom-client
   * `Registry`. Off: none of this runs.
   * @default false
   */
  metrics?: boolean | { readonly registry?: object };
}
