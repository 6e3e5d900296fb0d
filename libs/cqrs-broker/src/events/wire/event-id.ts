const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX_32 = /^[0-9a-f]{32}$/;

/**
 * The canonical form of a UUID (lowercase, 8-4-4-4-12 with dashes), from any
 * form python's `uuid.UUID()` and pydantic accept: dashed, 32 hex digits
 * without dashes (what dataclass-wizard writes), `{…}` braces, `urn:uuid:`
 * prefix, any letter case. `undefined` when `text` is not a UUID.
 * @publicApi
 */
export function canonicalUuid(text: string): string | undefined {
  let value = text.trim().toLowerCase();
  if (value.startsWith('urn:uuid:')) value = value.slice('urn:uuid:'.length);
  if (value.startsWith('{') && value.endsWith('}')) value = value.slice(1, -1);
  if (DASHED.test(value)) return value;
  if (HEX_32.test(value)) {
    return `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
  }
  return undefined;
}
