import type { Type } from '@nestjs/common';
import type { MessageBroker } from './brokers/message-broker.interface.js';
import type { EventMap } from './events/event-map.js';
import type { NotificationEvent } from './events/notification-event.js';
import type { Middleware } from './middleware/middleware.interface.js';
import type { RequestMap } from './requests/request-map.js';

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
}
