import { InvalidOptionException } from '../../errors/invalid-option.exception.js';

/**
 * An `event_timestamp` as it came off the wire. A `Date` holds milliseconds;
 * python-cqrs sends microseconds, which are kept here.
 * @publicApi
 */
export interface WireTimestamp {
  /** Exactly as sent, e.g. `2026-11-29T21:50:08.854936`. */
  readonly text: string;
  /** The instant, to the millisecond (what `event.eventTimestamp` holds). */
  readonly date: Date;
  /** Microseconds within the second, 0–999999, like python's `datetime.microsecond`. */
  readonly microsecond: number;
  /** True when the text had no zone and was read in the configured naive-timestamp zone. */
  readonly naive: boolean;
}

/**
 * The zone a timestamp without a zone is read in: `'UTC'`, `'local'` (this
 * process's zone), a fixed offset such as `'+09:00'`, or an IANA zone name
 * such as `'Asia/Tokyo'`. python-cqrs's default `event_timestamp` is
 * `datetime.now()`: naive local time of the producing host.
 * @publicApi
 */
export type NaiveTimestampZone = string;

/** The zone used when none is configured. @publicApi */
export const DEFAULT_NAIVE_TIMESTAMP_ZONE: NaiveTimestampZone = 'UTC';

/** Wall-clock fields (month 1–12) → epoch milliseconds in some zone. */
type WallClockToEpoch = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => number;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const OFFSET = /^([+-])(\d{2}):?(\d{2})?$/;
const ZONE_SUFFIX = /(Z|[+-]\d\d:?\d\d)$/i;

/**
 * Resolves a {@link NaiveTimestampZone} once, at startup, into a function
 * from wall-clock fields to epoch milliseconds. Throws
 * {@link InvalidOptionException} for a zone the runtime does not know.
 */
export function resolveNaiveZone(zone: NaiveTimestampZone = DEFAULT_NAIVE_TIMESTAMP_ZONE, optionName = 'naiveTimestampZone'): WallClockToEpoch {
  if (/^(utc|z|gmt)$/i.test(zone)) return (y, mo, d, h, mi, s, ms) => Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (zone === 'local') return (y, mo, d, h, mi, s, ms) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  const offset = OFFSET.exec(zone);
  if (offset) {
    const minutes = (Number(offset[2]) * 60 + Number(offset[3] ?? 0)) * (offset[1] === '-' ? -1 : 1);
    return (y, mo, d, h, mi, s, ms) => Date.UTC(y, mo - 1, d, h, mi, s, ms) - minutes * 60_000;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new InvalidOptionException(optionName, "'UTC', 'local', an offset like '+09:00' or an IANA zone name", zone);
  }
  const offsetAt = (epochMs: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(epochMs))) parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']! % 24, parts['minute']!, parts['second']!);
    return wall - Math.floor(epochMs / 1000) * 1000;
  };
  return (y, mo, d, h, mi, s, ms) => {
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const first = offsetAt(wall);
    const guess = wall - first;
    const second = offsetAt(guess);
    return second === first ? guess : wall - second;
  };
}

/**
 * Parses an ISO 8601 timestamp as python writes it (`T` or space, 0–9
 * fraction digits, `Z`, `±HH:MM` or no zone). Text without a zone is read
 * with `naiveToEpoch`. Returns `undefined` when the text is not such a timestamp.
 */
export function parseWireTimestamp(text: string, naiveToEpoch: WallClockToEpoch): WireTimestamp | undefined {
  const match = ISO.exec(text.trim());
  if (!match) return legacyParse(text);
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = match;
  const microsecond = Number(fraction.slice(0, 6).padEnd(6, '0'));
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const check = new Date(Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]));
  if (
    check.getUTCFullYear() !== fields[0] || check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] || check.getUTCMinutes() !== fields[4] || check.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }
  const ms = Math.floor(microsecond / 1000);
  let epoch: number;
  if (zone === undefined) {
    epoch = naiveToEpoch(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], ms);
  } else {
    epoch = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], ms);
    const offset = OFFSET.exec(zone);
    if (offset) epoch -= (Number(offset[2]) * 60 + Number(offset[3] ?? 0)) * 60_000 * (offset[1] === '-' ? -1 : 1);
  }
  const date = new Date(epoch);
  if (Number.isNaN(date.getTime())) return undefined;
  return { text, date, microsecond, naive: zone === undefined };
}

/** What the serializer accepted before: anything `Date` parses, read as UTC without a zone. */
function legacyParse(text: string): WireTimestamp | undefined {
  const naive = !ZONE_SUFFIX.test(text);
  const date = new Date(naive ? `${text}Z` : text);
  if (Number.isNaN(date.getTime())) return undefined;
  return { text, date, microsecond: date.getUTCMilliseconds() * 1000, naive };
}

/**
 * Writes a timestamp in UTC with a `Z`: `date.toISOString()` (milliseconds),
 * or, when `microsecond` belongs to that same millisecond and is finer than
 * it, the six-digit fraction python-cqrs itself writes (`…08.854936Z`), so
 * microseconds we read go out again unchanged. python-cqrs reads both forms.
 * @publicApi
 */
export function formatWireTimestamp(date: Date, microsecond?: number): string {
  const iso = date.toISOString();
  if (microsecond === undefined || microsecond % 1000 === 0 || Math.floor(microsecond / 1000) !== date.getUTCMilliseconds()) return iso;
  return `${iso.slice(0, iso.length - 4)}${String(microsecond).padStart(6, '0')}Z`;
}
