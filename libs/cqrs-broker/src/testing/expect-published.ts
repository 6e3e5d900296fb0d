import { AssertionError } from 'node:assert';
import { inspect } from 'node:util';
import type { Type } from '@nestjs/common';
import type { BrokerMessage } from '../brokers/broker-message.js';
import { InvalidOptionException } from '../errors/invalid-option.exception.js';
import { PUBLISHED_EXPECTATION_FAILED } from '../errors/messages.js';
import { getIntegrationEventContract } from '../events/integration-event.decorator.js';
import type { NotificationEvent } from '../events/notification-event.js';
import { WireReader } from '../events/wire/wire-reader.js';
import { containsSubset } from './json-subset.js';

/** Where {@link expectPublished} looks: a list of messages, or anything with `published` (`RecordingMessageBroker`, `recordPublishes`). @publicApi */
export type PublishedMessages = readonly BrokerMessage[] | { readonly published: readonly BrokerMessage[] };

/** What {@link expectPublished} looks for; every field given must match. @publicApi */
export interface PublishedExpectation {
  /** The event: its `@IntegrationEvent` class (name and topic must match) or its event name. */
  readonly event?: Type<NotificationEvent<any>> | string;
  /** The topic it was published to. */
  readonly topic?: string;
  /** Its ordering key. */
  readonly key?: string;
  /** The event id. */
  readonly eventId?: string;
  /** A subset of its payload: objects may hold more keys, at any depth; arrays match whole. */
  readonly payload?: Record<string, unknown>;
  /** Headers it must carry, with these values. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * How many matching messages there must be: `1` asserts "published exactly
   * once", `0` "never published".
   * @default at least one
   */
  readonly times?: number;
}

const reader = new WireReader();

/**
 * Asserts what a broker received, and returns the matching messages. Throws
 * Node's `AssertionError` (which every test runner reports as a failed
 * assertion) naming what was expected, how many matched, and every message
 * that was published, so the failure explains itself.
 *
 * @example
 * const published = await drainOutbox(app);
 * expectPublished(published, { event: UserJoinedMeeting, key: 'standup', payload: { userId: 'ada' }, times: 1 });
 * expectPublished(published, { event: 'meeting_room_closed', times: 0 });
 * @publicApi
 */
export function expectPublished(published: PublishedMessages, expected: PublishedExpectation): BrokerMessage[] {
  const { times } = expected;
  if (times !== undefined && (!Number.isInteger(times) || times < 0)) throw new InvalidOptionException('expectPublished times', 'an integer >= 0', times);
  const messages = 'published' in published ? published.published : published;
  const matching = messages.filter((message) => matches(message, expected));
  const ok = times === undefined ? matching.length > 0 : matching.length === times;
  if (!ok) {
    const wanted = times === undefined ? 'at least one' : String(times);
    const listing = messages.length ? messages.map((message, i) => `  ${i + 1}. ${describeMessage(message)}`).join('\n') : '  (none)';
    throw new AssertionError({
      message: PUBLISHED_EXPECTATION_FAILED(wanted, describeExpectation(expected), matching.length, messages.length, listing),
      actual: matching.length,
      expected: times ?? 1,
      operator: times === undefined ? '>=' : '===',
      stackStartFn: expectPublished,
    });
  }
  return matching;
}

function matches(message: BrokerMessage, expected: PublishedExpectation): boolean {
  if (expected.event !== undefined) {
    if (typeof expected.event === 'string') {
      if (message.eventName !== expected.event) return false;
    } else {
      const contract = getIntegrationEventContract(expected.event);
      if (!contract) throw new InvalidOptionException('expectPublished event', 'an @IntegrationEvent class or an event name', expected.event.name);
      if (message.eventName !== contract.name || message.topic !== contract.topic) return false;
    }
  }
  if (expected.topic !== undefined && message.topic !== expected.topic) return false;
  if (expected.key !== undefined && message.key !== expected.key) return false;
  if (expected.eventId !== undefined && message.eventId !== expected.eventId) return false;
  if (expected.headers && !Object.entries(expected.headers).every(([name, value]) => message.headers[name] === value)) return false;
  return expected.payload === undefined || containsSubset(payloadOf(message), expected.payload);
}

/** The payload of a python-cqrs body (any generation); `undefined` when the body cannot be read. */
function payloadOf(message: BrokerMessage): unknown {
  try {
    return reader.read(JSON.parse(message.body.toString('utf8'))).payload;
  } catch {
    return undefined;
  }
}

function describeExpectation(expected: PublishedExpectation): string {
  const parts: string[] = [];
  if (expected.event !== undefined) {
    const contract = typeof expected.event === 'string' ? undefined : getIntegrationEventContract(expected.event);
    parts.push(typeof expected.event === 'string' ? `"${expected.event}"` : `"${contract?.name}" (${expected.event.name}) on topic "${contract?.topic}"`);
  } else {
    parts.push('event');
  }
  if (expected.topic !== undefined) parts.push(`on topic "${expected.topic}"`);
  if (expected.key !== undefined) parts.push(`with key "${expected.key}"`);
  if (expected.eventId !== undefined) parts.push(`with id ${expected.eventId}`);
  if (expected.headers) parts.push(`with headers ${inspect(expected.headers, { breakLength: Infinity })}`);
  if (expected.payload !== undefined) parts.push(`with payload containing ${inspect(expected.payload, { depth: 6, breakLength: Infinity })}`);
  return parts.join(' ');
}

function describeMessage(message: BrokerMessage): string {
  const key = message.key === undefined ? 'no key' : `key "${message.key}"`;
  const payload = payloadOf(message);
  const shown = payload === undefined ? '(unreadable body)' : inspect(payload, { depth: 6, breakLength: Infinity });
  return `"${message.eventName}" on "${message.topic}", ${key}, id ${message.eventId}, payload ${shown}`;
}
