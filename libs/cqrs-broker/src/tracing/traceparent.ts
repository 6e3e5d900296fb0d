import { randomBytes } from 'node:crypto';

/** W3C trace context: `00-<trace id: 32 hex>-<parent span id: 16 hex>-<flags>`. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new root traceparent (sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/**
 * A child of `parent`: same trace id and flags, new span id. An absent or
 * invalid parent starts a new trace, as the W3C spec asks of receivers.
 */
export function childTraceparent(parent: string | undefined): string {
  const match = parent ? TRACEPARENT.exec(parent.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[2]) || /^0+$/.test(match[3])) return newTraceparent();
  return `00-${match[2]}-${randomBytes(8).toString('hex')}-${match[4]}`;
}

/** The trace id of a traceparent, if it is valid. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase())?.[2] : undefined;
}

/** The parts of a valid traceparent (all-zero ids are invalid), or `undefined`. */
export function parseTraceparent(traceparent: string | undefined): { traceId: string; spanId: string; flags: number } | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!match || /^0+$/.test(match[2]) || /^0+$/.test(match[3])) return undefined;
  return { traceId: match[2], spanId: match[3], flags: parseInt(match[4], 16) };
}
