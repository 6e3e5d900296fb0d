// One trace from an HTTP request with a given traceparent to the consumer's handler span, through the outbox and a
// relay in another process, on Kafka and RabbitMQ, with the standard kafkajs/amqplib instrumentations registered and
// not. Real OpenTelemetry Node SDK in each process, spans exported over OTLP/HTTP JSON to a receiver in this test.
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createOutboxEntity } from 'nestjs-cqrs-broker/outbox';
import { rawKafka } from '../brokers/support/kafka-raw.js';
import { AMQP_URL, eventually, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requireRabbitMq, unique } from '../brokers/support/services.js';
import { otlpEnvironment, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { startTracedProcess, type TracedProcess } from './support/traced-process.js';

const KIND = { internal: 1, server: 2, producer: 4, consumer: 5 } as const;
const INSTRUMENTATION_SCOPE = { kafka: '@opentelemetry/instrumentation-kafkajs', rabbitmq: '@opentelemetry/instrumentation-amqplib' } as const;

describe.each([
  { broker: 'kafka' as const, instrumented: false },
  { broker: 'kafka' as const, instrumented: true },
  { broker: 'rabbitmq' as const, instrumented: false },
  { broker: 'rabbitmq' as const, instrumented: true },
])('tracing through the outbox on $broker, broker instrumentations registered: $instrumented', ({ broker, instrumented }) => {
  let receiver: OtlpReceiver;
  let dataSource: DataSource;
  const processes: TracedProcess[] = [];
  const table = `trace_outbox_${randomBytes(4).toString('hex')}`;
  const topic = unique('trace-topic');
  const exchange = unique('trace-exchange');

  beforeAll(async () => {
    if (broker === 'kafka') await requireKafka();
    else await requireRabbitMq();
    receiver = await startOtlpReceiver();
    dataSource = await new DataSource({ type: 'postgres', url: POSTGRES_URL, entities: [createOutboxEntity({ databaseType: 'postgres', tableName: table })], synchronize: true }).initialize();
    if (broker === 'kafka') {
      const admin = rawKafka().admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await dataSource?.query(`DROP TABLE IF EXISTS "${table}"`);
    await dataSource?.destroy();
    await receiver?.close();
  });

  const start = (role: 'app' | 'relay'): TracedProcess => {
    const child = startTracedProcess({
      ROLE: role,
      OTEL_SERVICE_NAME: `trace-${role}`,
      ...otlpEnvironment(receiver),
      TRACE_INSTRUMENT_BROKERS: instrumented ? '1' : '0',
      TRACE_BROKER: broker,
      TRACE_TOPIC: topic,
      TRACE_TABLE: table,
      TRACE_GROUP: unique('trace-group'),
      TRACE_EXCHANGE: exchange,
      TRACE_POSTGRES_URL: POSTGRES_URL,
      TRACE_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      TRACE_AMQP_URL: AMQP_URL,
    });
    processes.push(child);
    return child;
  };

  it('continues the caller\'s trace from the HTTP request to the consumer\'s handler span, across the relay process', async () => {
    const app = start('app');
    const relay = start('relay');
    const port = Number(await app.ready);
    await relay.ready;

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const id = randomUUID();
    const response = await fetch(`http://127.0.0.1:${port}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'caller=t61rcWkgMzE' },
      body: JSON.stringify({ id }),
    });
    expect(response.status).toBe(201);
    await eventually(() => app.handled.includes(id), `the consumer handled thing ${id}\n${app.output().slice(-2000)}\n${relay.output().slice(-2000)}`, 90_000);
    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const named = (name: string): ReceivedSpan | undefined => inTrace().find((s) => s.name === name);
    await eventually(() => named('handle ThingCreated') !== undefined && named(`publish ${topic}`) !== undefined, 'the spans of both processes arrived', 30_000);

    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const httpSpan = spans.find((s) => s.kind === KIND.server)!;
    expect(httpSpan, 'the HTTP server span').toBeDefined();
    expect(httpSpan.parentSpanId).toBe(callerSpanId);

    const send = named('send CreateThing')!;
    const handle = named('handle CreateThing')!;
    const write = named('outbox write')!;
    const publish = named(`publish ${topic}`)!;
    const processSpan = named(`process ${topic}`)!;
    const handler = named('handle ThingCreated')!;
    expect({ send: send.kind, handle: handle.kind, write: write.kind, publish: publish.kind, process: processSpan.kind, handler: handler.kind }).toEqual({
      send: KIND.internal,
      handle: KIND.internal,
      write: KIND.producer,
      publish: KIND.producer,
      process: KIND.consumer,
      handler: KIND.internal,
    });
    // The chain of parents, handler span up to the caller's span.
    const chain: string[] = [];
    for (let span: ReceivedSpan | undefined = handler; span; span = byId.get(span.parentSpanId)) {
      chain.push(span.name);
      if (span.parentSpanId === callerSpanId) break;
    }
    expect(chain).toEqual(['handle ThingCreated', `process ${topic}`, 'outbox write', 'handle CreateThing', 'send CreateThing', httpSpan.name]);
    expect(publish.parentSpanId).toBe(write.spanId);

    // The relay published from another process; the consumer ran in the app.
    expect(publish.service).toBe('trace-relay');
    expect(publish.pid).not.toBe(processSpan.pid);
    expect(processSpan.service).toBe('trace-app');

    expect(write.attributes).toMatchObject({ 'messaging.operation.type': 'create', 'messaging.destination.name': topic, 'cqrs.outbox.table': table });
    expect(publish.attributes).toMatchObject({ 'messaging.operation.type': 'send', 'messaging.destination.name': topic, 'cqrs.event': 'thing_created' });
    expect(processSpan.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.destination.name': topic, 'messaging.consumer.group.name': 'trace-consumer', 'cqrs.outcome': 'handled' });
    expect(processSpan.attributes['messaging.message.id']).toBe(publish.attributes['messaging.message.id']);
    expect(handler.attributes).toMatchObject({ 'cqrs.handler': 'ThingCreatedHandler', 'cqrs.event': 'ThingCreated' });
    // The caller's tracestate went all the way.
    expect(processSpan.traceState).toBe('caller=t61rcWkgMzE');

    const instrumentationSpans = receiver.spans.filter((s) => s.scope === INSTRUMENTATION_SCOPE[broker]);
    if (instrumented) {
      // The instrumentations ran (and overwrote traceparent on the wire): the consumer span links their span instead of following it.
      expect(instrumentationSpans.map((s) => s.kind)).toContain(KIND.producer);
      const linked = processSpan.links.map((l) => l.spanId);
      expect(linked).toHaveLength(1);
      expect(instrumentationSpans.map((s) => s.spanId)).toContain(linked[0]);
    } else {
      expect(instrumentationSpans).toEqual([]);
      expect(processSpan.links).toEqual([]);
    }
  }, 240_000);
});
