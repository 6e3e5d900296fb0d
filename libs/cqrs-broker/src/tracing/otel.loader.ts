import { ConfigurationException } from '../errors/configuration.exception.js';
import { OPENTELEMETRY_PACKAGE_MISSING } from '../errors/messages.js';

/** The optional peer package tracing runs on (its types only: nothing is imported until tracing is turned on). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

let loading: Promise<OpenTelemetryApi> | undefined;

/** Loads `@opentelemetry/api` once, when `tracing: true` is resolved, or rejects with a `ConfigurationException` naming the package. */
export function loadOpenTelemetryApi(): Promise<OpenTelemetryApi> {
  loading ??= import('@opentelemetry/api').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading.catch((error: unknown) => {
    throw new ConfigurationException(OPENTELEMETRY_PACKAGE_MISSING, { cause: error });
  });
}
