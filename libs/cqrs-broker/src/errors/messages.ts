/**
 * The texts of the library's error messages, in one place so code and tests
 * share them. Internal: not exported from the package (texts may change;
 * codes do not).
 */

// Requests and handlers
export const HANDLER_NOT_FOUND = (requestName: string) =>
  `No handler is bound to request "${requestName}". Decorate its handler with ` +
  `@HandlesRequest(${requestName}) and list it in a module's providers, or bind it in a RequestMap.`;
export const DUPLICATE_HANDLER = (requestName: string, first: string, second: string) =>
  `Request "${requestName}" is bound to two handlers: "${first}" and "${second}". A request has exactly one handler, ` +
  `unless its handlers form a chain: declare @HandlesRequest(${requestName}, { order }) on each, or RequestMap.chain(${requestName}, [...]).`;
export const REQUEST_NOT_HANDLED = (requestName: string, chain: readonly string[]) =>
  `Request "${requestName}" went through its whole chain (${chain.join(' → ')}) and no handler handled it: ` +
  `the last one, ${chain[chain.length - 1]}, passed it on. End the chain with a handler that always answers or throws.`;
export const CHAIN_ORDER_CLASH = (requestName: string, order: number, first: string, second: string) =>
  `Request "${requestName}" has two chain handlers with order ${order}: "${first}" and "${second}". Give each its own order.`;
export const CHAIN_DECLARED_TWICE = (requestName: string) =>
  `Request "${requestName}" has a chain in a RequestMap and chain handlers decorated with @HandlesRequest(${requestName}, { order }): declare it in one place.`;
export const CHAIN_INVALID = (requestName: string, reason: string) => `The chain of request "${requestName}" ${reason}.`;
export const STREAM_REQUEST_CHAINED = (requestName: string) =>
  `"${requestName}" is a StreamRequest, and a stream has one handler: bind a single StreamRequestHandler, without an order.`;
export const STREAM_REQUEST_SENT = (requestName: string) =>
  `"${requestName}" is a StreamRequest: read its items with mediator.stream(request) instead of send.`;
export const NOT_A_STREAM_REQUEST = (requestName: string) =>
  `"${requestName}" is not a StreamRequest: send it with mediator.send(request), or make it extend StreamRequest.`;
export const STREAM_HANDLER_RETURNED_NO_ITERABLE = (handlerName: string, requestName: string) =>
  `${handlerName}.handle returned no AsyncIterable for "${requestName}", a StreamRequest: write it as an async generator (async *handle).`;
export const HANDLER_NOT_A_PROVIDER = (handlerName: string) =>
  `${handlerName} is bound as a handler but is not a provider of any module: add it to a module's providers.`;
export const SINGLETON_HANDLER_WITH_EVENTS = (handlerName: string) =>
  `${handlerName} keeps the events it produces in "events" but is a singleton, so concurrent calls would ` +
  `mix their events. Declare it with @Injectable({ scope: Scope.TRANSIENT }) to get a fresh instance per call.`;

// Events
export const EVENT_WITHOUT_NAME_OR_TOPIC = (className: string) =>
  `${className} needs an event name and a topic: pass them, or decorate the class with @IntegrationEvent({ name, topic }).`;
export const NOT_AN_INTEGRATION_EVENT = (className: string) => `${className} is not decorated with @IntegrationEvent({ name, topic }).`;
export const DUPLICATE_EVENT_NAME = (eventName: string, topic: string, first: string, second: string) =>
  `Event name "${eventName}" on topic "${topic}" is declared by two classes: ${first} and ${second}.`;
export const MALFORMED_EVENT = (reason: string) => `Malformed event: ${reason}`;
export const UNKNOWN_EVENT = (eventName: string, topic: string | undefined, registeredOn: readonly string[]) =>
  `unknown event name "${eventName}"` +
  (topic === undefined ? '' : ` on topic "${topic}"`) +
  (registeredOn.length ? ` (registered on topic(s) ${registeredOn.map((t) => `"${t}"`).join(', ')} only, so the topic cannot tell which)` : '');
export const UNSERIALIZABLE_EVENT = (eventName: string, reason: string) => `Event "${eventName}" cannot be serialized: ${reason}`;
export const UNSUPPORTED_CONTENT_TYPE = (contentType: string, known: readonly string[]) =>
  `content type "${contentType}" has no codec in this app (it reads ${known.map((c) => `"${c}"`).join(', ')})`;
export const CODEC_NOT_PREPARED = (className: string, contentType: string) =>
  `its codec (${contentType}) was not prepared: register ${className} (handle it, or list it in integrationEvents) so its codec is prepared at startup`;
export const PAYLOAD_CODEC_MISMATCH = (eventName: string, registered: string, received: string) =>
  `"${eventName}" is registered with the codec ${registered}, which cannot read a body of ${received}`;
export const PROTOBUF_OPTIONS = 'exactly one of protoFile and protoSource (or a message type object as messageType)';
export const PROTOBUF_TYPE_NOT_FOUND = (typeName: string, declaredBy: string) =>
  `The protobuf codec of ${declaredBy} names the message type "${typeName}", which its .proto does not define.`;
export const EVENT_CASCADE_LIMIT = (limit: number) =>
  `More than ${limit} events cascaded from one emit: do event handlers produce each other's events in a cycle?`;

// Options
export const MUST_BE = (option: string, rule: string, value: unknown) => `${option} must be ${rule}, got ${String(value)}`;

// Optional peer packages (optional-peer.ts)
export const MISSING_PEER_DEPENDENCY = (packageName: string, neededBy: string) =>
  `${neededBy} needs the package ${packageName}: npm install ${packageName}`;

// Brokers and consumers
export const CLIENT_PROXY_NOT_JSON = (transport: string, eventName: string, contentType: string) =>
  `${transport} frames messages as JSON: event ${eventName} is ${contentType}; use ClientKafka, a broker of this library, or the toRecord option`;
export const CLIENT_PROXY_TIMEOUT = (client: string, eventName: string, eventId: string, topic: string, ms: number) =>
  `${client} did not accept event ${eventName} (${eventId}) on ${topic} within ${ms} ms`;
export const INVALID_BROKER_URL = (redactedUrl: string, reason: string) => `Invalid broker URL "${redactedUrl}": ${reason}`;
export const UNROUTABLE_MESSAGES = (count: number, topics: string) =>
  `${count} message(s) reached no queue (routing key(s) ${topics}): RabbitMQ returned them. ` +
  `Start the consumers (they declare and bind their queues) or bind a queue, and the relay will retry.`;
export const CONSUMER_NOT_STARTED = (consumer: string) => `${consumer} is not started.`;
export const CONSUMER_NEEDS_NAME = 'EventConsumerModule needs a consumer name: forRoot({ name: "my-service" }).';
export const IN_MEMORY_NEEDS_IN_MEMORY_BROKER =
  'InMemoryEventConsumer needs an InMemoryMessageBroker as the CqrsBrokerModule broker; ' +
  'with Kafka or RabbitMQ, connect KafkaEventConsumer or AmqpEventConsumer as a microservice instead.';
export const IN_MEMORY_IS_A_TRANSPORT =
  'EventConsumerModule.forRoot({ inMemory }) is gone: the in-memory consumer is a transport like Kafka and RabbitMQ. ' +
  'Connect it instead: app.connectMicroservice({ strategy: new InMemoryEventConsumer({ topics }) }), then app.startAllMicroservices() after app.init().';
export const NO_TOPICS_TO_CONSUME = (consumer: string) =>
  `${consumer}: no topics to consume: pass them in the options, or bind handlers to @IntegrationEvent classes ` +
  '(in a hybrid app, call app.init() before app.startAllMicroservices(), so handlers are registered first).';
export const CONSUMER_MODULE_MISSING = (consumer: string, pattern: string) =>
  `${consumer} found no handler for "${pattern}": import EventConsumerModule.forRoot({ name }) in the app module.`;
export const NON_RETRYABLE = (reason: string) => `Not retryable: ${reason}`;
export const CONSUMER_OUTAGE_BOUND = (waitedMs: number, reason: string) =>
  `The consumer's infrastructure has been failing for ${waitedMs < 10_000 ? `${waitedMs} ms` : `${Math.round(waitedMs / 1000)} s`} (outage.maxWaitMs): ` +
  `handing the message back to the broker unacknowledged, to be delivered again. Last error: ${reason}`;
export const GAVE_UP_ACROSS_DELIVERIES = (attempts: number) =>
  `Handler failed: ${attempts} attempt(s) started in earlier deliveries without finishing (did the consumer crash while handling it?)`;

// Outbox and inbox
export const OUTBOX_NO_DATA_SOURCE =
  'OutboxModule found no DataSource: pass forRoot({ dataSource }) or import TypeOrmModule.forRoot(...) (default data source).';
export const UNSUPPORTED_DATABASE = (type: string, part = 'The outbox') =>
  `${part} supports postgres, mysql, mariadb and better-sqlite3 data sources, not "${type}".`;
export const INVALID_TABLE_NAME = (tableName: string) =>
  `Invalid outbox table name "${tableName}": use letters, digits and _ (at most 40), optionally prefixed by "schema."`;
export const UNKNOWN_OUTBOX_CODEC = (codec: string, known: readonly string[]) =>
  `Unknown outbox codec "${codec}": expected one of ${known.join(', ')}`;
export const INTEGRATION_EVENTS_OUTSIDE_OUTBOX = (eventNames: readonly string[]) =>
  `Integration event(s) ${eventNames.map((name) => `"${name}"`).join(', ')} were left in a handler's events while the outbox ` +
  "refuses them (OutboxModule handlerEvents: 'reject'): add them with OutboxTransaction inside the handler's transaction. " +
  "The handler's own writes are already committed.";
export const HANDLER_EVENTS_WRITTEN_LATE = (eventName: string) =>
  `Event "${eventName}" was left in a handler's events: it is written to the outbox after the handler returned, ` +
  "not atomically with the handler's transaction. Add it with OutboxTransaction inside that transaction instead.";
export const NO_OUTBOX_RELAY = 'OutboxRelayServer found no outbox relay: import OutboxModule.forRoot(...) in the microservice module';
export const RELAY_SERVER_EMITS_NO_EVENTS = 'OutboxRelayServer emits no events';
export const OUTBOX_CDC_NEEDS_POSTGRES = (database: string) =>
  `relay.source 'logical-replication' reads PostgreSQL's write-ahead log; this outbox is on ${database}: use relay.source 'table'.`;
export const OUTBOX_LOCK_CLAIM_UNSUPPORTED = (database: string) =>
  `relay.claim 'lock' holds row locks (SELECT … FOR UPDATE SKIP LOCKED) in a transaction of its own while it publishes; this outbox is on ${database}, which has no row locks: use relay.claim 'lease' (the default), or PostgreSQL, MariaDB or MySQL.`;
export const OUTBOX_CDC_WAL_LEVEL = (walLevel: string) =>
  `relay.source 'logical-replication' needs wal_level = logical, and this PostgreSQL has wal_level = ${walLevel}: ` +
  'run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL (docs/outbox.md, "Logical replication"), or use relay.source \'table\'.';
export const OUTBOX_CDC_NO_REPLICATION = (role: string) =>
  `relay.source 'logical-replication' needs a role that may replicate, and "${role}" may not: ` +
  `ALTER ROLE "${role}" WITH REPLICATION (as a superuser), or connect as a role that has it.`;
export const OUTBOX_CDC_PACKAGE_MISSING =
  "relay.source 'logical-replication' needs the package pg-logical-replication: npm install pg-logical-replication";
export const INBOX_NO_DATA_SOURCE =
  'InboxModule found no DataSource: pass forRoot({ dataSource }) or import TypeOrmModule.forRoot(...) (default data source).';
export const INBOX_ENTITY_NOT_REGISTERED = (tableName: string, entityArgument: string) =>
  `The inbox entity of table "${tableName}" is not in the DataSource: add createInboxEntity(${entityArgument}) to its entities.`;
export const INBOX_NEEDS_CONSUMER_NAME =
  'Inbox needs a consumer name: call it from a handler run by an event consumer, or pass { consumerName }.';

// Dead letters and the admin CLI
export const SERVICE_UNREACHABLE = (redactedUrl: string, reason: string) => `cannot connect to ${redactedUrl}: ${reason}`;
export const DEAD_LETTER_SOURCE_MISSING = (kind: 'topic' | 'queue', name: string) =>
  `Dead-letter ${kind} "${name}" does not exist: check the name (Kafka: <topic>.DLT, RabbitMQ: <queue>.dlq) and the broker URL.`;
export const REQUEUE_TARGET_MISSING = (queue: string) =>
  `Queue "${queue}" does not exist, so its dead letters cannot be requeued: start its consumer (it declares the queue) first.`;
export const REQUEUE_NOT_ACCEPTED = (deadLetter: string, target: string, reason: string) =>
  `Dead letter ${deadLetter} was not requeued to ${target} (${reason}); it stays in the dead letter.`;
export const INVALID_DATABASE_URL = (redactedUrl: string, reason: string) => `Invalid database URL "${redactedUrl}": ${reason}`;

// Untrusted input (InputGuardPipe, ValidationMiddleware)
export const INPUT_TOO_DEEP = (path: string, maxDepth: number) => `${path} is nested deeper than ${maxDepth} levels`;
export const INPUT_RESERVED_KEY = (path: string) => `property ${path} should not exist`;
export const INPUT_CONTROL_CHARACTER = (path: string) => `${path} must not contain control characters`;
export const INPUT_KEY_CONTROL_CHARACTER = (path: string) => `${path} must not have keys with control characters`;
export const INPUT_MALFORMED_UNICODE = (path: string) => `${path} must be well-formed Unicode (no lone surrogates)`;

// Testing kit (nestjs-cqrs-broker/testing)
export const TESTING_NEEDS_MODULE = (helper: string, module: string) =>
  `${helper}() found no provider it needs in this app: import ${module} in the module under test.`;
export const DATABASE_ALREADY_FAILING = 'failDatabase(): this DataSource is already failing; end() that outage before starting another.';
export const OUTBOX_DRAIN_TIMED_OUT = (timeoutMs: number, pending: number | undefined, lastError: string | undefined) =>
  `drainOutbox(): the outbox still had ${pending ?? 'unknown'} pending row(s) after ${timeoutMs} ms` +
  (lastError ? `; the relay's last round failed: ${lastError}` : ' (a retry backoff or a dead relay\'s lease longer than the timeout?)');
export const OUTBOX_ROWS_WENT_DEAD = (count: number, rows: readonly string[]) =>
  `drainOutbox(): ${count} outbox row(s) went dead instead of being published (pass { allowDead: true } if the test expects it):\n` +
  rows.map((row) => `  ${row}`).join('\n');
export const PUBLISHED_EXPECTATION_FAILED = (wanted: string, expectation: string, matched: number, total: number, listing: string) =>
  `Expected ${wanted} published ${expectation}; found ${matched}. The broker received ${total} message(s):\n${listing}`;

// Sagas (nestjs-cqrs-broker/saga)
export const SAGA_NO_DATA_SOURCE =
  'SagaModule needs a DataSource: pass { dataSource }, or register one as the app\'s DataSource (TypeOrmModule.forRoot).';
export const SAGA_NOT_REGISTERED = (saga: string) =>
  `Saga "${saga}" is not registered: decorate its class with @DefineSaga({ name, steps }) and list it in a module's providers or in SagaModule's sagas.`;
export const SAGA_NOT_DEFINED = (className: string) => `${className} has no saga definition: decorate it with @DefineSaga({ name, steps }).`;
export const SAGA_NAME_TAKEN = (name: string, first: string, second: string) => `Saga name "${name}" is declared by two classes: ${first} and ${second}.`;
export const SAGA_INVALID = (saga: string, reason: string) => `Saga "${saga}" ${reason}.`;
export const SAGA_STEP_NOT_A_PROVIDER = (saga: string, step: string) =>
  `Step ${step} of saga "${saga}" is not a provider of any module: add it to a module's providers.`;
export const SAGA_NOT_FOUND = (id: string) => `No saga with id "${id}" is in the saga log.`;
export const SAGA_ID_TAKEN = (id: string, existing: string, wanted: string) =>
  `Saga id "${id}" is taken by a "${existing}" saga; it cannot start a "${wanted}" saga.`;
export const SAGA_LOST_RACE = (id: string, step: string) =>
  `Saga "${id}" changed while its step "${step}" ran (another worker took it over after the lease ran out): this worker's step transaction rolled back.`;
export const SAGA_WRONG_STATE = (id: string, state: string, action: string, allowed: string) =>
  `Saga "${id}" is ${state}: only a saga that is ${allowed} can be ${action}.`;
export const SAGA_EMIT_WITHOUT_OUTBOX = (step: string) =>
  `Step ${step} emits events, but no outbox is available: import OutboxModule (or pass { outbox } to the executor built by hand).`;
export const SAGA_STEP_FAILED = (step: string, attempts: number, error: string) => `Step "${step}" failed after ${attempts} attempt(s): ${error}`;
export const SAGA_STEP_INTERRUPTED = (step: string, attempts: number) =>
  `Step "${step}" was interrupted (its worker stopped or crashed) on its last allowed attempt (${attempts}).`;
export const SAGA_COMPENSATION_FAILED = (step: string, attempts: number, error: string) =>
  `Compensation of step "${step}" failed after ${attempts} attempt(s), so the saga needs a human: ${error}`;
export const SAGA_COMPENSATION_INTERRUPTED = (step: string, attempts: number) =>
  `Compensation of step "${step}" was interrupted on its last allowed attempt (${attempts}), so the saga needs a human.`;
export const SAGA_RECOVERY_LIMIT = (attempts: number, state: string) =>
  `Recovery gave up after ${attempts} attempt(s) to resume the saga (it was ${state}): its workers kept stopping on it, so it needs a human.`;
export const SAGA_STALE = (ageMs: number, staleAfterMs: number) =>
  `The saga was interrupted ${Math.round(ageMs / 1000)} s ago, longer than recovery.staleAfterMs (${staleAfterMs} ms): compensated instead of resumed.`;
export const SAGA_COMPENSATION_REQUESTED = 'Compensation requested by an admin.';
export const NO_SAGA_RECOVERY = 'SagaRecoveryServer found no saga recovery worker: import SagaModule in the microservice\'s module.';
export const SAGA_RECOVERY_SERVER_EMITS_NO_EVENTS = 'SagaRecoveryServer emits no events: it reports through logs.';

// Fallbacks and circuit breakers
export const FALLBACK_ANSWERS = (handlerName: string, messageName: string, eventId: string | undefined, reason: string, fallbackName: string) =>
  `${handlerName} failed on ${messageName}${eventId ? ` (event ${eventId})` : ''} (${reason}); ${fallbackName} answers instead.`;
export const FALLBACK_DECLARED_TWICE = (handlerName: string) =>
  `${handlerName} has two different fallbacks (in a decorator and a map, or in two map bindings): a fallback belongs to the handler class, declare it once.`;
export const FALLBACK_ON_CHAIN = (handlerName: string, requestName: string) =>
  `${handlerName} declares a fallback but is a link of the chain of "${requestName}": a chain has no fallback; let a link answer in its place instead.`;
export const FALLBACK_ON_STREAM = (handlerName: string, requestName: string) =>
  `${handlerName} declares a fallback but handles "${requestName}", a StreamRequest: stream handlers have no fallback.`;
export const FALLBACK_OF_ITSELF = (handlerName: string) => `${handlerName} declares itself as its own fallback: name another handler.`;
export const CIRCUIT_BREAKER_OPENED = (name: string, failures: number, cause: string, whileOpen: string, openMs: number) =>
  `Circuit breaker ${name} opened after ${failures} consecutive failure(s) (last: ${cause}): ${whileOpen} answers for ${openMs} ms, then one call tries ${name} again.`;
export const CIRCUIT_BREAKER_HALF_OPEN = (name: string) => `Circuit breaker ${name} half-open: one call tries ${name} again.`;
export const CIRCUIT_BREAKER_CLOSED = (name: string) => `Circuit breaker ${name} closed: ${name} answers again.`;

// Health and admin
export const OUTBOX_HEALTH_NEEDS_OUTBOX = 'OutboxHealthIndicator needs OutboxAdmin: import OutboxModule.forRoot(…) in the app (or leave the outbox check out).';
export const OUTBOX_ADMIN_NEEDS_GUARD =
  'OutboxAdminModule.register() needs guards: pass guards: [YourAuthGuard] (every admin route replays or deletes outbox rows), or unsafeNoGuard: true to mount it unprotected on purpose.';
