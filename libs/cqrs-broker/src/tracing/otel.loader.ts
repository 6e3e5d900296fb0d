import { loadOptionalPeer } from '../optional-peer.js';

/** The optional peer package tracing runs on (its types only: nothing is imported until tracing is turned on). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** Loads `@opentelemetry/api` once, when `tracing: true` is resolved, or rejects with a `MissingPeerDependencyException` naming the package. */
export function loadOpenTelemetryApi(): Promise<OpenTelemetryApi> {
  return loadOptionalPeer<OpenTelemetryApi>('@opentelemetry/api', 'CqrsBrokerModule option tracing: true');
}
