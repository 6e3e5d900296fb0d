/**
 * The media type of a `content-type` header: lowercase, without parameters
 * (`Application/JSON; charset=utf-8` → `application/json`); `undefined` when
 * the header is absent or blank.
 */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const semicolon = header.indexOf(';');
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return type === '' ? undefined : type;
}
