// The samples' OpenTelemetry bootstrap (apps/shared/src/telemetry): with OTEL_EXPORTER_OTLP_ENDPOINT set, each sample
// process starts the Node SDK from the standard variables (here OTLP over HTTP/JSON to a receiver in this test) with the
// http, pg, kafkajs and amqplib instrumentations, under its default service name; unset, nothing of the SDK is imported.
// The sample processes run from their TypeScript entry points, as `npm start`, `npm run relay` and
// `npm run start:notifications` run them built.
import { randomBytes } from 'node:crypto';
import { eventually, requireRabbitMq, unique } from '../brokers/support/services.js';
import { ownVhost } from '../brokers/support/python-cqrs.js';
import { otlpEnvironment, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../tracing/support/otlp-receiver.js';
import { e2eDatabases, type E2eDatabase } from './support/e2e-databases.js';
import { startSample, type SampleProcess } from './support/sample-process.js';

const KIND = { server: 2, producer: 4, consumer: 5 } as const;
const LISTENING = /Listening on http:\/\/localhost:(\d+)/;
const SDK_STARTED = /OpenTelemetry SDK started: service (\S+), traces over OTLP http\/json/;

/** A W3C traceparent of the test's own: the caller the sample's trace must continue. */
function caller(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

async function join(port: number, meetingId: string, userId: string, traceparent?: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/meetings/${meetingId}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ userId }),
  });
  expect(response.status).toBe(201);
}

const names = (spans: readonly ReceivedSpan[]) => spans.map((s) => s.name);

describe('the samples start the OpenTelemetry SDK only when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  let receiver: OtlpReceiver;
  const processes: SampleProcess[] = [];
  const databases: E2eDatabase[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all(databases.map((d) => d.drop()));
    await receiver?.close();
  });

  const start = (...args: Parameters<typeof startSample>) => {
    const sample = startSample(...args);
    processes.push(sample);
    return sample;
  };
  const database = async (name: E2eDatabase['name']) => {
    const db = e2eDatabases().find((d) => d.name === name)!;
    databases.push(db);
    return db.create();
  };

  it('unset: the API serves as usual and imports nothing of OpenTelemetry', async () => {
    const api = start('api', { PORT: '0', DATABASE_URL: await database('sqlite'), BROKER_URL: 'memory://' });
    const port = Number((await api.waitFor(LISTENING))[1]);
    await join(port, 'plain', 'ada');
    expect(api.output()).not.toMatch(/OpenTelemetry SDK started/);
    expect(api.openTelemetryImports()).toEqual([]);
  });

  it('set, on the embedded default: one trace from the HTTP request through the outbox, the relay and the in-process consumer, as service meeting-rooms', async () => {
    const api = start('api', { PORT: '0', DATABASE_URL: await database('sqlite'), BROKER_URL: 'memory://', ...otlpEnvironment(receiver) });
    expect((await api.waitFor(SDK_STARTED))[1]).toBe('meeting-rooms');
    const port = Number((await api.waitFor(LISTENING))[1]);
    expect(api.openTelemetryImports()).toContain('@opentelemetry/sdk-node');
    const { traceId, spanId, traceparent } = caller();
    await join(port, 'traced', 'grace', traceparent);

    const trace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await eventually(() => trace().some((s) => s.kind === KIND.consumer && s.name === 'process meeting_notifications') && trace().some((s) => s.name.startsWith('handle UserJoinedMeeting')), 'the consumer spans arrived');
    expect(new Set(trace().map((s) => s.service))).toEqual(new Set(['meeting-rooms']));
    const server = trace().find((s) => s.kind === KIND.server && s.scope === '@opentelemetry/instrumentation-http');
    expect(server, names(trace()).join(', ')).toBeDefined();
    expect(server!.parentSpanId).toBe(spanId);
    expect(names(trace())).toEqual(expect.arrayContaining(['send JoinMeetingCommand', 'outbox write', 'publish meeting_notifications', 'process meeting_notifications']));
  });

  it('set, on PostgreSQL and RabbitMQ: one trace across the API (meeting-rooms), the relay (meeting-rooms-relay) and the consumer (meeting-notifications), with the pg and amqplib instrumentations', async () => {
    await requireRabbitMq();
    const vhost = await ownVhost('sample-telemetry');
    try {
      const shared = { DATABASE_URL: await database('postgres'), BROKER_URL: vhost.url, ...otlpEnvironment(receiver) };
      const api = start('api', { ...shared, PORT: '0', RUN_RELAY: 'false' });
      const port = Number((await api.waitFor(LISTENING))[1]);
      const relay = start('relay', shared);
      const notifications = start('notifications', { ...shared, PORT: '0', CONSUMER_GROUP: unique('sample-telemetry') });
      expect((await relay.waitFor(SDK_STARTED))[1]).toBe('meeting-rooms-relay');
      expect((await notifications.waitFor(SDK_STARTED))[1]).toBe('meeting-notifications');
      await relay.waitFor(/Relaying the outbox of/);
      await notifications.waitFor(/Notifications at http:\/\/localhost:\d+/);

      const { traceId, spanId, traceparent } = caller();
      await join(port, 'across', 'linus', traceparent);
      const trace = () => receiver.spans.filter((s) => s.traceId === traceId);
      const of = (service: string) => trace().filter((s) => s.service === service);
      await eventually(() => of('meeting-notifications').some((s) => s.name.startsWith('handle UserJoinedMeeting')), 'the consumer\'s handler span arrived', 30_000);

      expect(of('meeting-rooms').find((s) => s.kind === KIND.server)?.parentSpanId).toBe(spanId);
      expect(names(of('meeting-rooms'))).toEqual(expect.arrayContaining(['send JoinMeetingCommand', 'outbox write']));
      expect(of('meeting-rooms').some((s) => s.scope === '@opentelemetry/instrumentation-pg')).toBe(true);
      expect(of('meeting-rooms-relay').filter((s) => s.kind === KIND.producer).map((s) => s.name)).toContain('publish meeting_notifications');
      expect(of('meeting-rooms-relay').some((s) => s.scope === '@opentelemetry/instrumentation-amqplib'), names(of('meeting-rooms-relay')).join(', ')).toBe(true);
      expect(of('meeting-notifications').some((s) => s.kind === KIND.consumer && s.name === 'process meeting_notifications')).toBe(true);
    } finally {
      await Promise.all(processes.splice(0).map((p) => p.stop()));
      await vhost.drop();
    }
  });
});
