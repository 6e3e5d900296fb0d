import { InvalidOptionException } from '../../errors/invalid-option.exception.js';

/**
 * How notification and ECST events are laid out on the wire. Both are
 * python-cqrs's own layouts, so python-cqrs services read what we write:
 *
 * - `'python-cqrs'`: the body python-cqrs 1.0 and later sends,
 *   `{"event_id", "event_timestamp", "event_name", "topic", "payload"}`.
 * - `'python-cqrs-0.0'`: the envelope python-cqrs 0.0.1–0.2.0 sends,
 *   `{"message_type", "message_name", "message_id", "payload": {"event_id", "event_timestamp", "event_name", "payload"}}`
 *   (its events have no topic). Write it only to talk to such a service.
 *
 * Reading does not depend on this setting: every python-cqrs generation is
 * recognized per message (see `test/fixtures/python-cqrs/README.md`).
 * @publicApi
 */
export type WireFormat = 'python-cqrs' | 'python-cqrs-0.0';

/** Every {@link WireFormat}, in the order the docs list them. @publicApi */
export const WIRE_FORMATS: readonly WireFormat[] = ['python-cqrs', 'python-cqrs-0.0'];

/** The format written when nothing else is configured. @publicApi */
export const DEFAULT_WIRE_FORMAT: WireFormat = 'python-cqrs';

/**
 * One format for every topic, or a default with per-topic exceptions, e.g.
 * `{ default: 'python-cqrs', topics: { legacy_rooms: 'python-cqrs-0.0' } }`.
 * @publicApi
 */
export type WireFormatOption =
  | WireFormat
  | {
      /** @default 'python-cqrs' */
      readonly default?: WireFormat;
      /** Topic name → format written to that topic. */
      readonly topics?: Readonly<Record<string, WireFormat>>;
    };

/** Resolves the option once, at startup, into a per-topic lookup. */
export function resolveWireFormat(option: WireFormatOption | undefined, optionName = 'wireFormat'): (topic: string) => WireFormat {
  if (option === undefined) return () => DEFAULT_WIRE_FORMAT;
  if (typeof option === 'string') {
    const format = checked(option, optionName);
    return () => format;
  }
  const fallback = checked(option.default ?? DEFAULT_WIRE_FORMAT, `${optionName}.default`);
  const byTopic = new Map<string, WireFormat>();
  for (const [topic, format] of Object.entries(option.topics ?? {})) {
    byTopic.set(topic, checked(format, `${optionName}.topics.${topic}`));
  }
  if (byTopic.size === 0) return () => fallback;
  return (topic) => byTopic.get(topic) ?? fallback;
}

function checked(format: unknown, optionName: string): WireFormat {
  if (!WIRE_FORMATS.includes(format as WireFormat)) {
    throw new InvalidOptionException(optionName, `one of ${WIRE_FORMATS.map((f) => `'${f}'`).join(', ')}`, format);
  }
  return format as WireFormat;
}
