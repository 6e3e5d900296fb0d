import 'reflect-metadata';
import { HttpException } from '@nestjs/common';
import * as root from 'nestjs-cqrs-broker';
import {
  ConfigurationException,
  CliUsageException,
  ConsumerNotStartedException,
  DeadLetterReplayException,
  CqrsBrokerErrorCode,
  CqrsBrokerException,
  DuplicateHandlerException,
  EventCascadeLimitException,
  EventSerializer,
  IntegrationEvent,
  IntegrationEventOutsideOutboxException,
  IntegrationEventRegistry,
  InvalidBrokerUrlException,
  InvalidDatabaseUrlException,
  ServiceUnreachableException,
  InvalidOptionException,
  InvalidTableNameException,
  MalformedEventException,
  MissingEventContractException,
  MissingPeerDependencyException,
  NonRetryableException,
  NotificationEvent,
  RequestHandlerNotFoundException,
  RequestNotHandledException,
  RequestValidationException,
  SagaConflictException,
  SagaNotFoundException,
  SagaNotRegisteredException,
  TimeoutException,
  UnknownEventException,
  UnknownOutboxCodecException,
  UnsupportedContentTypeException,
  UnroutableMessageException,
  UnserializableEventException,
  UnsupportedDatabaseException,
  UnsupportedOperationException,
  parseBrokerUrl,
  type CqrsBrokerError,
} from 'nestjs-cqrs-broker';
import { UnknownOutboxCodecException as OutboxUnknownCodecException } from 'nestjs-cqrs-broker/outbox';
import * as saga from 'nestjs-cqrs-broker/saga';
import { INVALID_BROKER_URL, MUST_BE } from '../../libs/cqrs-broker/src/errors/messages.js';
import { resolveRetryPolicy } from '../../libs/cqrs-broker/src/retry/retry-policy.js';
import { withTimeout } from '../../libs/cqrs-broker/src/retry/with-timeout.js';

class Ping {}
class PingHandler {}

/** One instance of every exception the package exports, with the base it must be an instance of. */
const samples: ReadonlyArray<{ error: CqrsBrokerError; base: abstract new (...args: never[]) => Error }> = [
  { error: new RequestHandlerNotFoundException('Ping'), base: CqrsBrokerException },
  { error: new DuplicateHandlerException(Ping, PingHandler, PingHandler), base: CqrsBrokerException },
  { error: new RequestNotHandledException('Ping', ['CachedPingHandler', 'PingHandler']), base: CqrsBrokerException },
  { error: new RequestValidationException('Ping', ['a must be a string']), base: HttpException },
  { error: new MissingEventContractException('Ping', 'Ping needs an event name and a topic'), base: TypeError },
  { error: new MalformedEventException('body is not a JSON object'), base: CqrsBrokerException },
  { error: new UnknownEventException('room_booked', 'rooms'), base: MalformedEventException },
  { error: new UnsupportedContentTypeException('application/avro', ['application/json']), base: MalformedEventException },
  { error: new UnserializableEventException('ping', 'payload is undefined'), base: CqrsBrokerException },
  { error: new EventCascadeLimitException(10), base: CqrsBrokerException },
  { error: new InvalidOptionException('retry.factor', '1 or more', 0), base: CqrsBrokerException },
  { error: new ConfigurationException('add it to a module'), base: CqrsBrokerException },
  { error: new MissingPeerDependencyException('kafkajs', 'KafkaMessageBroker'), base: ConfigurationException },
  { error: new InvalidBrokerUrlException('redis://u:***@h', 'unknown scheme'), base: CqrsBrokerException },
  { error: new UnroutableMessageException(['rooms'], 1), base: CqrsBrokerException },
  { error: new ConsumerNotStartedException('KafkaEventConsumer'), base: CqrsBrokerException },
  { error: new TimeoutException('publish timed out', 100), base: CqrsBrokerException },
  { error: new UnsupportedOperationException('emits no events'), base: CqrsBrokerException },
  { error: new UnsupportedDatabaseException('oracle'), base: CqrsBrokerException },
  { error: new InvalidTableNameException('drop table;'), base: CqrsBrokerException },
  { error: new IntegrationEventOutsideOutboxException(['user_joined']), base: CqrsBrokerException },
  { error: new UnknownOutboxCodecException('zstd', ['none', 'gzip']), base: CqrsBrokerException },
  { error: new DeadLetterReplayException('dead-letter queue q.dlq does not exist'), base: CqrsBrokerException },
  { error: new InvalidDatabaseUrlException('oracle://u:***@h/db', 'unknown scheme'), base: CqrsBrokerException },
  { error: new ServiceUnreachableException('postgres://u:***@h/db', new Error('connect ECONNREFUSED')), base: CqrsBrokerException },
  { error: new CliUsageException('unknown option --x'), base: CqrsBrokerException },
  { error: new SagaNotRegisteredException('book-meeting'), base: CqrsBrokerException },
  { error: new SagaNotFoundException('b7c1'), base: CqrsBrokerException },
  { error: new SagaConflictException('saga b7c1 is completed: only a failed saga can be retried', 'b7c1'), base: CqrsBrokerException },
  { error: new NonRetryableException('room 7 does not exist'), base: CqrsBrokerException },
];

describe('the library\'s exceptions', () => {
  it('cover every exception the package root exports (a new one must be added here)', () => {
    const exported = Object.entries(root)
      .filter(([name, value]) => name.endsWith('Exception') && typeof value === 'function' && value !== CqrsBrokerException)
      .map(([name]) => name)
      .sort();
    expect(samples.map(({ error }) => error.constructor.name).sort()).toEqual(exported);
  });

  it('each have a stable code of their own, and every code belongs to one exception', () => {
    const codes = samples.map(({ error }) => error.code);
    expect(new Set(codes).size).toBe(samples.length);
    expect([...codes].sort()).toEqual(Object.values(CqrsBrokerErrorCode).sort());
    for (const code of codes) expect(code).toMatch(/^CQRS_BROKER_[A-Z_]+$/);
  });

  it('keep the codes users match on: these strings never change', () => {
    expect(new RequestHandlerNotFoundException('Ping').code).toBe('CQRS_BROKER_HANDLER_NOT_FOUND');
    expect(new MalformedEventException('x').code).toBe('CQRS_BROKER_MALFORMED_EVENT');
    expect(new RequestValidationException('Ping', []).code).toBe('CQRS_BROKER_REQUEST_VALIDATION');
    expect(new InvalidOptionException('retry.factor', '1 or more', 0).code).toBe('CQRS_BROKER_INVALID_OPTION');
  });

  it.each(samples.map((sample) => [sample.error.constructor.name, sample] as const))('%s is an instance of its base and named after its class', (name, { error, base }) => {
    expect(error).toBeInstanceOf(base);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
  });

  it('map to HTTP only where meant for HTTP: RequestValidationException answers 400, nothing else is an HttpException', () => {
    const httpOnes = samples.filter(({ error }) => error instanceof HttpException).map(({ error }) => error.constructor.name);
    expect(httpOnes).toEqual(['RequestValidationException']);
    expect(new RequestValidationException('Ping', ['a must be a string']).getStatus()).toBe(400);
  });

  it('keep the exception a `TypeError` where it was one: an event class without name and topic', () => {
    class Undeclared extends NotificationEvent<object> {}
    expect(() => new Undeclared({ payload: {} })).toThrow(TypeError);
    expect(() => new IntegrationEventRegistry().register(Undeclared)).toThrow(MissingEventContractException);
  });

  it('are exported once: /outbox re-exports the same class as the root', () => {
    expect(OutboxUnknownCodecException).toBe(UnknownOutboxCodecException);
  });

  it('are exported once: /saga re-exports the same classes as the root', () => {
    expect([saga.SagaNotRegisteredException, saga.SagaNotFoundException, saga.SagaConflictException]).toEqual([SagaNotRegisteredException, SagaNotFoundException, SagaConflictException]);
  });
});

describe('an exception that wraps another keeps it as cause', () => {
  @IntegrationEvent({ name: 'anything_happened', topic: 'misc' })
  class AnythingHappened extends NotificationEvent<unknown> {}
  const registry = new IntegrationEventRegistry();
  registry.register(AnythingHappened);
  const serializer = new EventSerializer(registry);

  it('the serializer\'s UnserializableEventException chains the JSON.stringify error, stack and all', () => {
    const error = (() => {
      try {
        serializer.toMessage(new AnythingHappened({ payload: { amount: 10n } }));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(UnserializableEventException);
    const cause = (error as Error).cause as Error;
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toMatch(/BigInt/);
    expect(cause.stack).toBeTruthy();
    expect((error as Error).message).toContain(cause.message);
  });

  it('a body that is not JSON gives a MalformedEventException caused by the parser\'s SyntaxError', async () => {
    const error = await serializer.fromBody('{not json').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(MalformedEventException);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('a text reason is not a cause', () => {
    expect(new UnserializableEventException('ping', 'payload is undefined').cause).toBeUndefined();
  });
});

describe('the messages stay as they were, now from one place', () => {
  it('an invalid option names the option, the rule and the value', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(InvalidOptionException);
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow('retry.maxAttempts must be an integer >= 1, got 0');
    expect(() => resolveRetryPolicy({ factor: 0.5 }, undefined, 'relay.retry')).toThrow(MUST_BE('relay.retry.factor', '1 or more', 0.5));
  });

  it('an invalid broker URL is shown redacted', () => {
    expect(() => parseBrokerUrl('redis://u:secret@h:6379')).toThrow(INVALID_BROKER_URL('redis://u:***@h:6379', 'unknown scheme "redis" (use memory, kafka, kafkas, amqp or amqps)'));
  });

  it('a timeout rejects with a TimeoutException carrying the caller\'s message', async () => {
    const error = await withTimeout(new Promise(() => undefined), 5, () => 'publish timed out after 5 ms').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TimeoutException);
    expect((error as TimeoutException).message).toBe('publish timed out after 5 ms');
    expect((error as TimeoutException).timeoutMs).toBe(5);
  });
});
