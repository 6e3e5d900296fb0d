// Imports nothing at the top but node:module: what this file loads before the SDK starts is not instrumented.
import { createRequire } from 'node:module';

/** A started OpenTelemetry Node SDK: flushes and stops it. */
export interface Telemetry {
  readonly serviceName: string;
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

/** The SDK this process started, if any (the shutdown hook flushes it). */
export const activeTelemetry = (): Telemetry | undefined => active;

/** True when the standard variables name an OTLP endpoint for traces. */
export const telemetryWanted = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';

/**
 * Starts the OpenTelemetry Node SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, configured by the SDK itself
 * from the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_PROTOCOL`
 * `http/protobuf`, `http/json` or `grpc`, `OTEL_TRACES_SAMPLER`, …), with the
 * http, pg, kafkajs and amqplib instrumentations. `OTEL_SERVICE_NAME` wins
 * over `defaultServiceName`. Unset, it returns undefined and imports nothing
 * of the SDK.
 *
 * Call it before the app's modules load: the instrumentations patch those
 * clients as they are first required, so main.ts imports the app afterwards.
 */
export async function startTelemetry(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Telemetry | undefined> {
  if (!telemetryWanted(env)) return undefined;
  if (active) return active;
  env.OTEL_SERVICE_NAME ||= defaultServiceName;
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { KafkaJsInstrumentation }, { AmqplibInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-kafkajs'),
    import('@opentelemetry/instrumentation-amqplib'),
  ]);
  const sdk = new NodeSDK({
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation(), new KafkaJsInstrumentation(), new AmqplibInstrumentation()],
  });
  sdk.start();
  // The instrumentations patch CommonJS modules as they are required; the app's ESM imports of these clients then
  // get the same (patched) module objects from the require cache.
  const require = createRequire(import.meta.url);
  for (const client of ['pg', 'kafkajs', 'amqplib']) require(client);
  const [{ Logger }, { redactUrl }] = await Promise.all([import('@nestjs/common'), import('nestjs-cqrs-broker')]);
  const serviceName = env.OTEL_SERVICE_NAME;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '';
  new Logger('Telemetry').log(
    `OpenTelemetry SDK started: service ${serviceName}, traces over OTLP ${env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf'} to ${redactUrl(endpoint)}`,
  );
  active = {
    serviceName,
    async shutdown() {
      active = undefined;
      await sdk.shutdown();
    },
  };
  return active;
}
